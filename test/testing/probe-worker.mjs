// A stand-in worker entry for runner tests: it logs when each case message arrives and when
// it is done (to the file named by workerData.engineModule), runs one case at a time for
// 150 ms each, and answers every case with a pass. It shows how the runner feeds workers.
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const log = fileURLToPath(workerData.engineModule);
let busy = Promise.resolve();
parentPort.on('message', (m) => {
  appendFileSync(log, `recv ${m.case.name}\n`);
  busy = busy
    .then(() => new Promise((r) => setTimeout(r, 150)))
    .then(() => {
      appendFileSync(log, `done ${m.case.name}\n`);
      parentPort.postMessage({ id: m.id, verdict: { status: 'pass', durationMs: 150, failures: [] } });
    });
});
