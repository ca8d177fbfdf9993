// Loads count.bpf.o, attaches it, prints "attached", and on SIGINT/SIGTERM
// prints the number of events counted and exits.
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) {
	(void)s;
	stop = 1;
}

int main(int argc, char **argv) {
	const char *path = argc > 1 ? argv[1] : "count.bpf.o";
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	struct bpf_program *p;
	if(!obj || bpf_object__load(obj)) {
		fprintf(stderr, "count-probe: cannot load %s\n", path);
		return 2;
	}
	bpf_object__for_each_program(p, obj) {
		if(!bpf_program__attach(p)) {
			fprintf(stderr, "count-probe: cannot attach %s\n", bpf_program__name(p));
			return 2;
		}
	}
	signal(SIGINT, on_sig);
	signal(SIGTERM, on_sig);
	printf("attached\n");
	fflush(stdout);
	while(!stop)
		pause();
	int fd = bpf_object__find_map_fd_by_name(obj, "counts");
	int n = libbpf_num_possible_cpus();
	unsigned long long *v = calloc(n, sizeof(*v)), total = 0;
	unsigned int zero = 0;
	if(v && fd >= 0 && bpf_map_lookup_elem(fd, &zero, v) == 0)
		for(int i = 0; i < n; i++)
			total += v[i];
	printf("events %llu\n", total);
	return 0;
}
