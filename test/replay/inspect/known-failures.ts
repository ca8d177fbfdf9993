/**
 * Corpus conditions (conditions.ts) whose matches do not yet equal sysdig 0.29's, with the
 * reason and the first capture where they differ ("missing": events sysdig matches and
 * falco-scap does not; "extra": the reverse). corpus.test.ts asserts this list is exact.
 *
 * Causes, in short: field semantics of the field classes (src/replay/fields) that follow
 * current libsinsp where sysdig 0.29 differed; state differences (HostState); filter timing
 * (sysdig 0.29 filters events that do not modify state before parsing them; HostState has
 * no hook between reset and parse); one sysdig 0.29 bug (group.gid); one grammar
 * difference (bare values containing '=').
 */
export const KNOWN_FAILURES: Readonly<Record<string, string>> = {
  "evt.category=file":
    "evt.category: sysdig 0.29 derives categories from its 2022 event table (e.g. 'memory' for mmap/brk, 'sleep' for nanosleep, 'process' for clone/execve, 'file' for some generic syscalls); falco-scap's field prints other values for these events (e.g. 'other' for cat_write #158). [falco-traces/run_as_user_0_container.scap: missing 6 [176,177,2704,2709,2710] extra 0 []]",
  "evt.category=process":
    "evt.category: sysdig 0.29 derives categories from its 2022 event table (e.g. 'memory' for mmap/brk, 'sleep' for nanosleep, 'process' for clone/execve, 'file' for some generic syscalls); falco-scap's field prints other values for these events (e.g. 'other' for cat_write #158). [falco-traces/cat_write.scap: missing 2 [172,173] extra 0 []]",
  "evt.category in (memory, sleep)":
    "evt.category: sysdig 0.29 derives categories from its 2022 event table (e.g. 'memory' for mmap/brk, 'sleep' for nanosleep, 'process' for clone/execve, 'file' for some generic syscalls); falco-scap's field prints other values for these events (e.g. 'other' for cat_write #158). [falco-traces/cat_write.scap: missing 8 [158,159,174,175,176] extra 0 []]",
  "syscall.type exists":
    "syscall.type: falco-scap has no value for procexit / container events (sysdig 0.29 gives one: cat_write #215, privileged #1405) and prints \"unknown\" for generic events of syscall id 0 (cat_write #200). [falco-traces/cat_write.scap: missing 1 [215] extra 0 []]",
  "not syscall.type exists":
    "syscall.type: falco-scap has no value for procexit / container events (sysdig 0.29 gives one: cat_write #215, privileged #1405) and prints \"unknown\" for generic events of syscall id 0 (cat_write #200). [falco-traces/cat_write.scap: missing 0 [] extra 1 [215]]",
  "evt.args contains fd=3":
    "grammar: sysdig 0.29's legacy filter compiler reads `fd=3` as one bare value; falco-scap's condition grammar (current libsinsp) stops a bare value at '=' and rejects the condition. [falco-traces/cat_write.scap: sysdig=ok ours=1:21: unexpected '=3': expected 'and', 'or' or the end of the condition]",
  "evt.res=SUCCESS":
    "evt.res: for exits whose enter was not seen (run_as_user_0 #1690...) sysdig 0.29 has no return value (<NA>), falco-scap reports SUCCESS. [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 16 [1690,1692,1695,1697,1704]]",
  "evt.rawres=0":
    "evt.rawres: as evt.res, falco-scap has a value (0) where sysdig 0.29 has none (run_as_user_0 #1690...). [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 16 [1690,1692,1695,1697,1704]]",
  "evt.failed=false and evt.dir=<":
    "evt.failed: sysdig 0.29 gives false for enter events and unpaired exits; falco-scap has no value (<NA>) (cat_write #132). [falco-traces/cat_write.scap: missing 6 [159,173,175,177,179] extra 0 []]",
  "evt.buflen>0":
    "evt.buflen: falco-scap's field needs the event's fd; with the filter rejecting the enter event, sysdig 0.29 (and falco-scap, which reproduces it) leaves the exit without fd, and sysdig still reports the buffer length (run_as_user_0 #57). [falco-traces/run_as_user_0_container.scap: missing 121 [57,61,131,135,137] extra 0 []]",
  "evt.buflen=8":
    "evt.buflen: falco-scap's field needs the event's fd; with the filter rejecting the enter event, sysdig 0.29 (and falco-scap, which reproduces it) leaves the exit without fd, and sysdig still reports the buffer length (run_as_user_0 #57). [falco-traces/run_as_user_0_container.scap: missing 5 [57,61,131,135,137] extra 0 []]",
  "evt.buflen>=100":
    "evt.buflen: falco-scap's field needs the event's fd; with the filter rejecting the enter event, sysdig 0.29 (and falco-scap, which reproduces it) leaves the exit without fd, and sysdig still reports the buffer length (run_as_user_0 #57). [falco-traces/run_as_user_0_container.scap: missing 39 [468,477,500,508,533] extra 0 []]",
  "evt.deltatime<1000":
    "evt.deltatime in conditions: libsinsp keeps the previous time per filter instance, which has seen the two leading container events of run_as_user_0 (stamped after event #3), so its delta for #3 is negative and wraps to a huge unsigned value; falco-scap passes the same previous time, but the field returns the negative difference instead of wrapping it. Printed deltatime values match sysdig on every capture. [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 1 [3]]",
  "evt.deltatime.s=0":
    "evt.deltatime in conditions: libsinsp keeps the previous time per filter instance, which has seen the two leading container events of run_as_user_0 (stamped after event #3), so its delta for #3 is negative and wraps to a huge unsigned value; falco-scap passes the same previous time, but the field returns the negative difference instead of wrapping it. Printed deltatime values match sysdig on every capture. [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 1 [3]]",
  "evt.latency>100000":
    "evt.latency: sysdig 0.29 computes enter-to-exit latency (cat_write #133: 653 ns); falco-scap implements the current deprecated field, always 0. [falco-traces/run_as_user_0_container.scap: missing 246 [86,90,101,109,119] extra 0 []]",
  "evt.latency=0":
    "evt.latency: sysdig 0.29 computes enter-to-exit latency (cat_write #133: 653 ns); falco-scap implements the current deprecated field, always 0. [falco-traces/cat_write.scap: missing 0 [] extra 41 [133,135,137,139,141]]",
  "evt.latency.ns>50000":
    "evt.latency: sysdig 0.29 computes enter-to-exit latency (cat_write #133: 653 ns); falco-scap implements the current deprecated field, always 0. [falco-traces/run_as_user_0_container.scap: missing 332 [86,90,101,109,119] extra 0 []]",
  "evt.latency.s=0 and evt.dir=<":
    "evt.latency: sysdig 0.29 computes enter-to-exit latency (cat_write #133: 653 ns); falco-scap implements the current deprecated field, always 0. [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 15 [702,712,715,719,728]]",
  "proc.pid<1000":
    "proc.pid: threads first seen mid-capture: sysdig 0.29 gives them pid = tid (65534 #121: 8313), falco-scap's placeholder thread has pid -1 (state). [falco-traces/run_as_user_65534_container.scap: missing 0 [] extra 1 [121]]",
  "proc.pid>=10000":
    "proc.pid: threads first seen mid-capture: sysdig 0.29 gives them pid = tid (65534 #121: 8313), falco-scap's placeholder thread has pid -1 (state). [falco-traces/syscall.scap: missing 12 [179,180,181,182,183] extra 0 []]",
  "proc.vpid!=1":
    "proc.vpid / thread.vtid: captures without vtid/vpid in their process list (cat_write): sysdig 0.29 has no value, falco-scap copies pid/tid; container events differ too (privileged #1405). [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "proc.pname=bash":
    "proc.pname: for a non-main thread sysdig 0.29 names the parent of the thread (curl_google #1051, tid 17498: 'curl'), falco-scap the parent of its process ('bash'). [libs/curl_google.scap: missing 0 [] extra 158 [1051,1052,1053,1054,1055]]",
  "proc.pcmdline contains bash":
    "proc.pcmdline: same parent choice as proc.pname (curl_google #1051). [libs/curl_google.scap: missing 0 [] extra 158 [1051,1052,1053,1054,1055]]",
  "proc.sname=bash":
    "proc.sname: falco-scap returns an empty session leader name where sysdig 0.29 finds it (cat_write #131), and vice versa in run_as_user_0. [falco-traces/run_as_user_0_container.scap: missing 204 [1609,1610,1611,1613,1615] extra 0 []]",
  "proc.tty=0":
    "proc.tty: sample.scap process-list tty values: falco-scap reads 34817 where sysdig 0.29 reports 0 (sample #2). [libs/sample.scap: missing 36 [2,4,6,8,12] extra 0 []]",
  "proc.tty!=0":
    "proc.tty: sample.scap process-list tty values: falco-scap reads 34817 where sysdig 0.29 reports 0 (sample #2). [libs/sample.scap: missing 0 [] extra 36 [2,4,6,8,12]]",
  "proc.nthreads>1":
    "proc.nthreads: at procexit sysdig 0.29 still counts the exiting thread (1), falco-scap 0 (cat_write #215); curl_google #1246 differs too. [libs/curl_google.scap: missing 1 [1246] extra 0 []]",
  "proc.nthreads=1":
    "proc.nthreads: at procexit sysdig 0.29 still counts the exiting thread (1), falco-scap 0 (cat_write #215); curl_google #1246 differs too. [falco-traces/cat_write.scap: missing 1 [215] extra 0 []]",
  "proc.nchilds=0":
    "proc.nchilds: sysdig 0.29 counts children differently (run_as_user_0 #4: sysdig 0, falco-scap 17). [falco-traces/run_as_user_0_container.scap: missing 905 [4,5,6,8,9] extra 0 []]",
  "proc.nchilds>0":
    "proc.nchilds: sysdig 0.29 counts children differently (run_as_user_0 #4: sysdig 0, falco-scap 17). [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 905 [4,5,6,8,9]]",
  "proc.fdopencount<5":
    "proc.fdopencount: the fd count differs after opens/closes (run_as_user_0 #2183: falco-scap 3) — fd table bookkeeping (state) or filter-before-parse timing. [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 105 [2195,2196,2198,2199,2201]]",
  "proc.fdopencount=0":
    "proc.fdopencount: the fd count differs after opens/closes (run_as_user_0 #2183: falco-scap 3) — fd table bookkeeping (state) or filter-before-parse timing. [falco-traces/syscall.scap: missing 0 [] extra 11 [180,181,182,183,184]]",
  "proc.vmsize>100000":
    "sysdig 0.29 is inconsistent here: it prints proc.vmsize 224312 for curl_google #1067-1068 but its filter matches none of `proc.vmsize=224312` or `proc.vmsize>99999` (while `>65535` matches); falco-scap filters on the value it prints. [libs/curl_google.scap: missing 0 [] extra 365 [1067,1068,1069,1070,1071]]",
  "proc.is_exe_writable=true":
    "sysdig 0.29 bug: it prints proc.is_exe_writable=true for 269 events of sample.scap, yet neither `proc.is_exe_writable=true` nor `=false` matches any event; falco-scap matches the 269. [libs/sample.scap: missing 0 [] extra 269 [2,4,6,8,12]]",
  "proc.is_container_healthcheck=false":
    "proc.is_container_*: sysdig 0.29 gives false for host processes, falco-scap has no value (<NA>). [falco-traces/cat_write.scap: missing 85 [131,132,133,134,135] extra 0 []]",
  "proc.is_container_readiness_probe=false":
    "proc.is_container_*: sysdig 0.29 gives false for host processes, falco-scap has no value (<NA>). [falco-traces/cat_write.scap: missing 85 [131,132,133,134,135] extra 0 []]",
  "thread.vtid exists":
    "thread.vtid: captures without vtid (cat_write): sysdig 0.29 has no value, falco-scap copies the tid. [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "thread.ismain=true":
    "thread.ismain: threads first seen mid-capture: sysdig 0.29 makes them main (pid = tid), falco-scap placeholders are not (65534 #121). [falco-traces/run_as_user_65534_container.scap: missing 1 [121] extra 0 []]",
  "thread.ismain=false":
    "thread.ismain: threads first seen mid-capture: sysdig 0.29 makes them main (pid = tid), falco-scap placeholders are not (65534 #121). [falco-traces/run_as_user_65534_container.scap: missing 0 [] extra 1 [121]]",
  "thread.vmsize>1000":
    "thread.vmsize: printed values agree with sysdig on every event, the filter results do not (curl_google: falco-scap matches 1037 more events for >1000); not yet explained (filter timing or comparison). [falco-traces/cat_write.scap: missing 0 [] extra 59 [157,158,159,160,161]]",
  "thread.pfminor>100":
    "thread.pfminor: printed values agree with sysdig on every event, the filter results do not (curl_google #954...); not yet explained (sysdig 0.29 filters non-state-modifying events before parsing them; HostState has no hook for that). [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 16 [2746,2748,2749,2753,2754]]",
  "user.name!=root":
    "user.name: unknown users: sysdig 0.29 has no value; falco-scap (current libsinsp) yields the string '<NA>', so `exists` and `!=` match. [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "user.name exists":
    "user.name: unknown users: sysdig 0.29 has no value; falco-scap (current libsinsp) yields the string '<NA>', so `exists` and `!=` match. [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "user.shell endswith bash":
    "user.shell / user.loginname / container.*: container processes (run_as_user_0, privileged #1405): sysdig 0.29 resolves them from the host user table and container info, falco-scap has no value. [falco-traces/privileged.scap: missing 1 [1405] extra 0 []]",
  "user.loginuid=-1":
    "user.loginuid: sysdig 0.29 reads loginuid 0 where falco-scap has -1 (privileged #1405; sample.scap process list). [falco-traces/privileged.scap: missing 0 [] extra 1 [1405]]",
  "user.loginuid>=0":
    "user.loginuid: sysdig 0.29 reads loginuid 0 where falco-scap has -1 (privileged #1405; sample.scap process list). [falco-traces/privileged.scap: missing 1 [1405] extra 0 []]",
  "user.loginname=root":
    "user.loginname: sysdig 0.29 resolves the login user name (root for privileged #1405); falco-scap differs, and yields '<NA>' strings for unknown users. [falco-traces/privileged.scap: missing 1 [1405] extra 0 []]",
  "user.loginname exists":
    "user.loginname: sysdig 0.29 resolves the login user name (root for privileged #1405); falco-scap differs, and yields '<NA>' strings for unknown users. [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "group.gid=0":
    "sysdig 0.29 bug: group.gid reads 64 bits from a 32-bit gid and prints e.g. 12884901888 for gid 0 (run_as_user_0 #26); falco-scap prints the gid. [falco-traces/run_as_user_0_container.scap: missing 0 [] extra 95 [26,30,34,36,39]]",
  "group.gid>0":
    "sysdig 0.29 bug: group.gid reads 64 bits from a 32-bit gid and prints e.g. 12884901888 for gid 0 (run_as_user_0 #26); falco-scap prints the gid. [falco-traces/run_as_user_0_container.scap: missing 95 [26,30,34,36,39] extra 0 []]",
  "group.name!=root":
    "group.name: unknown groups: sysdig 0.29 has no value; falco-scap yields the string '<NA>'. [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "group.name exists":
    "group.name: unknown groups: sysdig 0.29 has no value; falco-scap yields the string '<NA>'. [falco-traces/cat_write.scap: missing 0 [] extra 85 [131,132,133,134,135]]",
  "container.healthcheck exists":
    "container.healthcheck / liveness_probe / readiness_probe: sysdig 0.29 prints 'NONE' for containers without one (privileged #1405); falco-scap has no value. [falco-traces/privileged.scap: missing 1 [1405] extra 0 []]",
  "container.liveness_probe exists":
    "container.*_probe: sysdig 0.29 prints 'NONE' for containers without one (privileged #1405); falco-scap has no value. [falco-traces/privileged.scap: missing 1 [1405] extra 0 []]",
  "container.readiness_probe exists":
    "container.*_probe: sysdig 0.29 prints 'NONE' for containers without one (privileged #1405); falco-scap has no value. [falco-traces/privileged.scap: missing 1 [1405] extra 0 []]",
  "fd.num=3":
    "fd.num: sysdig 0.29 has no value for events without fd (mmap enter, cat_write #136) and reports the new fd on open exits (cat_write #141: 3); falco-scap gives -1 for both. [falco-traces/cat_write.scap: missing 4 [141,151,187,197] extra 0 []]",
  "fd.num>=3":
    "fd.num: sysdig 0.29 has no value for events without fd (mmap enter, cat_write #136) and reports the new fd on open exits (cat_write #141: 3); falco-scap gives -1 for both. [falco-traces/cat_write.scap: missing 4 [141,151,187,197] extra 0 []]",
  "fd.num<0":
    "fd.num: sysdig 0.29 has no value for events without fd (mmap enter, cat_write #136) and reports the new fd on open exits (cat_write #141: 3); falco-scap gives -1 for both. [falco-traces/cat_write.scap: missing 0 [] extra 31 [136,137,141,143,144]]",
  "fd.num in (0, 1, 2)":
    "fd.num: sysdig 0.29 has no value for events without fd (mmap enter, cat_write #136) and reports the new fd on open exits (cat_write #141: 3); falco-scap gives -1 for both. [falco-traces/run_as_user_0_container.scap: missing 1 [1519] extra 0 []]",
  "fd.type=file":
    "fd.type: one event (run_as_user_0 #1519, an exit with an fd from the process list) where sysdig 0.29 resolves the fd and falco-scap does not. [falco-traces/run_as_user_0_container.scap: missing 1 [1519] extra 0 []]",
  "fd.typechar=f":
    "fd.typechar: falco-scap guesses 'o' for events without fd (cat_write #136) and nothing for open exits (cat_write #140 ...); sysdig 0.29 the reverse. [falco-traces/cat_write.scap: missing 4 [140,150,186,196] extra 0 []]",
  "fd.name exists":
    "fd.name: falco-scap gives '' where sysdig 0.29 has no value (mmap exit, cat_write #137), and misses unix-socket tuple names ('->') of failed connects (curl_google #1057). [falco-traces/cat_write.scap: missing 0 [] extra 10 [137,145,157,161,163]]",
  "not fd.name exists":
    "fd.name: falco-scap gives '' where sysdig 0.29 has no value (cat_write #137). [falco-traces/cat_write.scap: missing 10 [137,145,157,161,163] extra 0 []]",
  "fd.name=\"\"":
    "fd.name: falco-scap gives '' where sysdig 0.29 has no value (mmap exit, cat_write #137), and misses unix-socket tuple names ('->') of failed connects (curl_google #1057). [falco-traces/cat_write.scap: missing 0 [] extra 16 [137,143,145,153,155]]",
  "fd.name contains \"->\"":
    "fd.name: falco-scap gives '' where sysdig 0.29 has no value (mmap exit, cat_write #137), and misses unix-socket tuple names ('->') of failed connects (curl_google #1057). [libs/curl_google.scap: missing 2 [1057,1063] extra 0 []]",
  "fd.l4proto=tcp":
    "fd.l4proto: sysdig 0.29's get_l4proto reports no protocol for a socket without a role (socket() exit, before connect/accept: curl_google #1010); falco-scap prints 'udp'/'tcp'. [libs/curl_google.scap: missing 0 [] extra 6 [1259,1266,1267,1268,1269]]",
  "fd.l4proto=udp":
    "fd.l4proto: sysdig 0.29's get_l4proto reports no protocol for a socket without a role (socket() exit, before connect/accept: curl_google #1010); falco-scap prints 'udp'/'tcp'. [libs/curl_google.scap: missing 0 [] extra 5 [1010,1011,1012,1187,1188]]",
  "fd.l4proto in (tcp, udp)":
    "fd.l4proto: sysdig 0.29's get_l4proto reports no protocol for a socket without a role (socket() exit, before connect/accept: curl_google #1010); falco-scap prints 'udp'/'tcp'. [libs/curl_google.scap: missing 0 [] extra 11 [1010,1011,1012,1187,1188]]",
  "fd.is_server=true":
    "fd.is_server: sockets without a role (curl_google #1010) and fds from the process list (run_as_user_0 #1519): sysdig 0.29 and falco-scap disagree. [libs/curl_google.scap: missing 11 [1010,1011,1012,1187,1188] extra 0 []]",
  "fd.is_server=false":
    "fd.is_server: sockets without a role (curl_google #1010) and fds from the process list (run_as_user_0 #1519): sysdig 0.29 and falco-scap disagree. [falco-traces/run_as_user_0_container.scap: missing 1 [1519] extra 0 []]",
  "fd.uid exists":
    "fd.uid: falco-scap builds an id for events without fd ('20072-1', cat_write #136); sysdig 0.29 has none. [falco-traces/cat_write.scap: missing 0 [] extra 20 [136,137,144,145,156]]",
  "fd.containername exists":
    "fd.containername / fd.containerdirectory: falco-scap gives ':' / ':/' where sysdig 0.29 has no value (cat_write #137). [falco-traces/cat_write.scap: missing 0 [] extra 10 [137,145,157,161,163]]",
  "fd.containerdirectory exists":
    "fd.containerdirectory: falco-scap gives ':/' where sysdig 0.29 has no value (cat_write #137). [falco-traces/cat_write.scap: missing 0 [] extra 10 [137,145,157,161,163]]",
  "fd.dev>0":
    "fd.dev: sysdig 0.29 has the device of pipes/eventfds/sockets from the fd list (run_as_user_0 #54); falco-scap gives 0. [falco-traces/run_as_user_0_container.scap: missing 164 [54,55,56,57,58] extra 0 []]",
  "fd.dev.major=0":
    "fd.dev.major: as fd.dev (run_as_user_0 #1519, #1533). [falco-traces/run_as_user_0_container.scap: missing 1 [1519] extra 35 [1533,1534,1543,1557,1558]]",
  "fd.dev.minor exists":
    "fd.dev.minor: as fd.dev (run_as_user_0 #1519). [falco-traces/run_as_user_0_container.scap: missing 1 [1519] extra 0 []]",
  "fdlist.nums exists":
    "fdlist.*: sysdig 0.29 lists the fds of poll/select enter events (run_as_user_0 #62: 4,7); falco-scap has no value. [falco-traces/run_as_user_0_container.scap: missing 33 [62,64,68,138,140] extra 0 []]",
  "fdlist.names exists":
    "fdlist.*: sysdig 0.29 lists the fds of poll/select enter events (run_as_user_0 #62); falco-scap has no value. [falco-traces/run_as_user_0_container.scap: missing 33 [62,64,68,138,140] extra 0 []]",
  "fdlist.cips exists":
    "fdlist.*: poll fds of curl_google #1192: sysdig 0.29 lists their addresses, falco-scap has no value. [libs/curl_google.scap: missing 12 [1192,1196,1280,1290,1297] extra 0 []]",
  "fdlist.sips exists":
    "fdlist.*: poll fds of curl_google #1192: sysdig 0.29 lists their addresses, falco-scap has no value. [libs/curl_google.scap: missing 12 [1192,1196,1280,1290,1297] extra 0 []]",
  "fdlist.cports exists":
    "fdlist.*: poll fds of curl_google #1192: sysdig 0.29 lists their ports, falco-scap has no value. [libs/curl_google.scap: missing 12 [1192,1196,1280,1290,1297] extra 0 []]",
  "fdlist.sports exists":
    "fdlist.*: poll fds of curl_google #1192: sysdig 0.29 lists their ports, falco-scap has no value. [libs/curl_google.scap: missing 12 [1192,1196,1280,1290,1297] extra 0 []]",
  "fd.typechar=f and evt.is_io_read=true":
    "fd.typechar: falco-scap guesses 'o' for events without fd (cat_write #136) and nothing for open exits (cat_write #140 ...); sysdig 0.29 the reverse. [falco-traces/run_as_user_0_container.scap: missing 1 [1519] extra 0 []]",
};
