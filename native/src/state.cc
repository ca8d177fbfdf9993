#include "state.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

namespace fscap {

// Largest strings libscap's readers accept (scap_limits.h, scap.h).
static const size_t kPathMax = 1023;     // SCAP_MAX_PATH_SIZE - 1
static const size_t kListMax = 4095;     // SCAP_MAX_ARGS/ENV/CGROUPS_SIZE - 1
static const size_t kCredMax = 255;      // MAX_CREDENTIALS_STR_LEN - 1

// ---------- little-endian body builder ----------
struct Body {
	std::vector<uint8_t> b;
	void u8(uint8_t v) { b.push_back(v); }
	void u16(uint16_t v) { raw(&v, 2); }
	void u32(uint32_t v) { raw(&v, 4); }
	void u64(uint64_t v) { raw(&v, 8); }
	void raw(const void *p, size_t n) {
		const uint8_t *c = (const uint8_t *)p;
		b.insert(b.end(), c, c + n);
	}
	// u16 length + bytes (no terminator), cut to `max` bytes (reader limits)
	void str16(const std::string &s, size_t max = kPathMax) {
		size_t n = s.size() > max ? max : s.size();
		u16((uint16_t)n);
		raw(s.data(), n);
	}
	// a NUL-separated list cut to at most `max` bytes at an entry boundary
	void list16(const std::string &s, size_t max) {
		if(s.size() <= max) {
			str16(s, max);
			return;
		}
		size_t cut = s.rfind('\0', max - 1);
		std::string t = cut == std::string::npos ? std::string() : s.substr(0, cut + 1);
		str16(t, max);
	}
	size_t size() const { return b.size(); }
	void patch32(size_t at, uint32_t v) { memcpy(&b[at], &v, 4); }
};

static bool read_file(const std::string &path, std::string &out, size_t max = 1 << 20) {
	int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
	if(fd < 0)
		return false;
	out.clear();
	char buf[8192];
	ssize_t n;
	while((n = read(fd, buf, sizeof(buf))) > 0) {
		out.append(buf, (size_t)n);
		if(out.size() >= max)
			break;
	}
	close(fd);
	return true;
}

static std::string read_link(const std::string &path) {
	char buf[4096];
	ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
	if(n < 0)
		return "";
	return std::string(buf, (size_t)n);
}

uint64_t boot_time_ns() {
	struct timespec rt, bt;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	uint64_t r = (uint64_t)rt.tv_sec * 1000000000ull + rt.tv_nsec;
	uint64_t b = (uint64_t)bt.tv_sec * 1000000000ull + bt.tv_nsec;
	return r - b;
}

bool write_section_header(Sink &s) {
	Body b;
	b.u32(0x1A2B3C4D);  // byte-order magic
	b.u16(1);           // major
	b.u16(2);           // minor
	b.u64(0xffffffffffffffffull);
	return s.block(0x0A0D0D0A, b.b.data(), b.size());
}

// ---------- machine info ----------
static bool write_machine_info(Sink &s, uint64_t boot_ts) {
	Body b;
	b.u32((uint32_t)sysconf(_SC_NPROCESSORS_ONLN));
	struct sysinfo si;
	sysinfo(&si);
	b.u64((uint64_t)si.totalram * si.mem_unit);
	std::string pm;
	uint64_t maxpid = 32768;
	if(read_file("/proc/sys/kernel/pid_max", pm))
		maxpid = strtoull(pm.c_str(), nullptr, 10);
	b.u64(maxpid);
	char host[128] = {0};
	gethostname(host, sizeof(host) - 1);
	b.raw(host, 128);
	b.u64(boot_ts);
	b.u64(0);  // flags
	b.u64(0);
	b.u64(0);
	return s.block(0x201, b.b.data(), b.size());
}

// ---------- interfaces ----------
static bool write_iflist(Sink &s, StateCounts &c) {
	struct ifaddrs *ifa = nullptr;
	if(getifaddrs(&ifa) != 0)
		return true;
	Body v4, v6;
	for(struct ifaddrs *i = ifa; i; i = i->ifa_next) {
		if(!i->ifa_addr)
			continue;
		std::string name = i->ifa_name ? i->ifa_name : "";
		if(name.size() > kPathMax)
			name.resize(kPathMax);
		if(i->ifa_addr->sa_family == AF_INET) {
			uint32_t addr = ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr;
			uint32_t mask = i->ifa_netmask ? ((struct sockaddr_in *)i->ifa_netmask)->sin_addr.s_addr : 0;
			uint32_t bc = 0;
			if((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr)
				bc = ((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr.s_addr;
			v4.u32((uint32_t)(24 + name.size()));
			v4.u16(1);  // IPv4
			v4.u16((uint16_t)name.size());
			v4.u32(addr);
			v4.u32(mask);
			v4.u32(bc);
			v4.u64(0);  // link speed
			v4.raw(name.data(), name.size());
			c.ifaddrs++;
		} else if(i->ifa_addr->sa_family == AF_INET6) {
			uint8_t zero[16] = {0};
			v6.u32((uint32_t)(60 + name.size()));
			v6.u16(2);  // IPv6
			v6.u16((uint16_t)name.size());
			v6.raw(&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			if(i->ifa_netmask)
				v6.raw(&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr, 16);
			else
				v6.raw(zero, 16);
			v6.raw(zero, 16);  // no broadcast in IPv6
			v6.u64(0);
			v6.raw(name.data(), name.size());
			c.ifaddrs++;
		}
	}
	freeifaddrs(ifa);
	if(v4.size() + v6.size() == 0)
		return true;
	return s.block2(0x219, v4.b.data(), v4.size(), v6.b.data(), v6.size());
}

// ---------- users and groups ----------
static std::vector<std::string> split(const std::string &s, char sep) {
	std::vector<std::string> out;
	std::string cur;
	for(char ch : s) {
		if(ch == sep) {
			out.push_back(cur);
			cur.clear();
		} else {
			cur.push_back(ch);
		}
	}
	out.push_back(cur);
	return out;
}

static bool write_userlist(Sink &s, StateCounts &c) {
	Body b;
	std::string pw, gr;
	read_file("/etc/passwd", pw);
	read_file("/etc/group", gr);
	std::istringstream ps(pw);
	std::string line;
	while(std::getline(ps, line)) {
		if(line.empty() || line[0] == '#')
			continue;
		auto f = split(line, ':');
		if(f.size() < 7)
			continue;
		std::string name = f[0].substr(0, kCredMax), home = f[5].substr(0, kCredMax),
		            shell = f[6].substr(0, kCredMax);
		uint32_t len = 4 + 1 + 4 + 4 + 2 + name.size() + 2 + home.size() + 2 + shell.size();
		b.u32(len);
		b.u8(0);  // user
		b.u32((uint32_t)strtoul(f[2].c_str(), nullptr, 10));
		b.u32((uint32_t)strtoul(f[3].c_str(), nullptr, 10));
		b.str16(name, kCredMax);
		b.str16(home, kCredMax);
		b.str16(shell, kCredMax);
		c.users++;
	}
	std::istringstream gs(gr);
	while(std::getline(gs, line)) {
		if(line.empty() || line[0] == '#')
			continue;
		auto f = split(line, ':');
		if(f.size() < 3)
			continue;
		std::string name = f[0].substr(0, kCredMax);
		b.u32((uint32_t)(4 + 1 + 4 + 2 + name.size()));
		b.u8(1);  // group
		b.u32((uint32_t)strtoul(f[2].c_str(), nullptr, 10));
		b.str16(name, kCredMax);
		c.groups++;
	}
	if(b.size() == 0)
		return true;
	return s.block(0x220, b.b.data(), b.size());
}

// ---------- sockets from /proc/net ----------
enum FdType : uint8_t {
	FD_FILE = 1,
	FD_DIRECTORY = 2,
	FD_IPV4_SOCK = 3,
	FD_IPV6_SOCK = 4,
	FD_IPV4_SERVSOCK = 5,
	FD_IPV6_SERVSOCK = 6,
	FD_FIFO = 7,
	FD_UNIX_SOCK = 8,
	FD_EVENT = 9,
	FD_UNSUPPORTED = 10,
	FD_SIGNALFD = 11,
	FD_EVENTPOLL = 12,
	FD_INOTIFY = 13,
	FD_TIMERFD = 14,
	FD_NETLINK = 15,
	FD_FILE_V2 = 16,
};

struct SockInfo {
	uint8_t type = 0;  // FdType
	uint8_t l4 = 0;    // 2 tcp, 3 udp
	uint32_t sip = 0, dip = 0;
	uint8_t sip6[16] = {0}, dip6[16] = {0};
	uint16_t sport = 0, dport = 0;
	uint64_t usrc = 0, udst = 0;
	std::string path;
};

typedef std::map<uint64_t, SockInfo> SockMap;

static void parse_hex_addr(const std::string &s, SockInfo &si, bool v6, bool local) {
	auto colon = s.find(':');
	if(colon == std::string::npos)
		return;
	std::string a = s.substr(0, colon);
	uint16_t port = (uint16_t)strtoul(s.substr(colon + 1).c_str(), nullptr, 16);
	if(!v6) {
		uint32_t ip = (uint32_t)strtoul(a.c_str(), nullptr, 16);  // already network order bytes
		if(local) {
			si.sip = ip;
			si.sport = port;
		} else {
			si.dip = ip;
			si.dport = port;
		}
	} else {
		uint8_t *dst = local ? si.sip6 : si.dip6;
		for(int w = 0; w < 4 && a.size() >= 32; w++) {
			uint32_t word = (uint32_t)strtoul(a.substr(w * 8, 8).c_str(), nullptr, 16);
			memcpy(dst + w * 4, &word, 4);
		}
		if(local)
			si.sport = port;
		else
			si.dport = port;
	}
}

static void load_inet(const char *path, bool v6, uint8_t l4, SockMap &m) {
	std::string txt;
	if(!read_file(path, txt, 64 << 20))
		return;
	std::istringstream is(txt);
	std::string line;
	std::getline(is, line);  // header
	while(std::getline(is, line)) {
		std::istringstream ls(line);
		std::string sl, local, remote, st, q, tr, retr, uid, timeout, inode;
		ls >> sl >> local >> remote >> st >> q >> tr >> retr >> uid >> timeout >> inode;
		uint64_t ino = strtoull(inode.c_str(), nullptr, 10);
		if(!ino)
			continue;
		SockInfo si;
		si.l4 = l4;
		parse_hex_addr(local, si, v6, true);
		parse_hex_addr(remote, si, v6, false);
		bool listening = (l4 == 2 && st == "0A") || (l4 == 3 && si.dport == 0);
		if(!v6)
			si.type = listening ? FD_IPV4_SERVSOCK : FD_IPV4_SOCK;
		else
			si.type = listening ? FD_IPV6_SERVSOCK : FD_IPV6_SOCK;
		m[ino] = si;
	}
}

static void load_unix(SockMap &m) {
	std::string txt;
	if(!read_file("/proc/net/unix", txt, 64 << 20))
		return;
	std::istringstream is(txt);
	std::string line;
	std::getline(is, line);
	while(std::getline(is, line)) {
		std::istringstream ls(line);
		std::string num, refc, proto, flags, type, st, inode, path;
		ls >> num >> refc >> proto >> flags >> type >> st >> inode;
		std::getline(ls, path);
		while(!path.empty() && path[0] == ' ')
			path.erase(0, 1);
		uint64_t ino = strtoull(inode.c_str(), nullptr, 10);
		if(!ino)
			continue;
		std::string addr = num;
		if(!addr.empty() && addr.back() == ':')
			addr.pop_back();
		SockInfo si;
		si.type = FD_UNIX_SOCK;
		si.usrc = strtoull(addr.c_str(), nullptr, 16);
		si.path = path;
		m[ino] = si;
	}
}

// ---------- processes ----------
struct ProcInfo {
	uint64_t tid = 0, pid = 0, ptid = 0, sid = 0, pgid = 0;
	std::string comm, exe, exepath, args, cwd, env, cgroups, root;
	uint64_t fdlimit = 0;
	uint32_t uid = 0, gid = 0, vmsize = 0, vmrss = 0, vmswap = 0, tty = 0, loginuid = 0xffffffff;
	uint64_t pfmaj = 0, pfmin = 0;
	int64_t vtid = 0, vpid = 0;
	uint64_t capi = 0, capp = 0, cape = 0;
	uint8_t exe_writable = 0;
	uint64_t exe_ino = 0, exe_ctime = 0, exe_mtime = 0;
	uint64_t start_ts = 0;
};

static std::string status_field(const std::string &st, const char *key) {
	std::string k = std::string("\n") + key + ":";
	size_t p = st.find(k);
	if(p == std::string::npos) {
		if(st.compare(0, strlen(key) + 1, std::string(key) + ":") == 0)
			p = 0;
		else
			return "";
	} else {
		p += 1;
	}
	p += strlen(key) + 1;
	size_t e = st.find('\n', p);
	std::string v = st.substr(p, e == std::string::npos ? std::string::npos : e - p);
	size_t a = v.find_first_not_of(" \t");
	return a == std::string::npos ? "" : v.substr(a);
}

static std::string cgroup_string(const std::string &procdir) {
	std::string txt, out, v2path;
	bool v2 = false, v1 = false;
	if(!read_file(procdir + "/cgroup", txt))
		return out;
	std::istringstream is(txt);
	std::string line;
	while(std::getline(is, line)) {
		size_t a = line.find(':');
		size_t b = a == std::string::npos ? a : line.find(':', a + 1);
		if(b == std::string::npos)
			continue;
		std::string ctrls = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
		if(ctrls.empty()) {
			v2 = true;
			v2path = path;
			continue;
		}
		for(auto &c : split(ctrls, ',')) {
			if(c.compare(0, 5, "name=") == 0)
				continue;
			out += c + "=" + path;
			out.push_back('\0');
			v1 = true;
		}
	}
	if(v2 && !v1) {
		// pure cgroup v2: one path for every controller
		static const char *ctl[] = {"cpuset", "cpu", "cpuacct", "io", "memory", "pids"};
		for(const char *c : ctl) {
			out += std::string(c) + "=" + v2path;
			out.push_back('\0');
		}
	}
	return out;
}

static bool load_proc(const std::string &pdir, uint64_t tid, uint64_t pid, ProcInfo &p) {
	std::string statl, status;
	if(!read_file(pdir + "/stat", statl) || !read_file(pdir + "/status", status))
		return false;
	p.tid = tid;
	p.pid = pid;
	size_t lp = statl.find('('), rp = statl.rfind(')');
	if(lp == std::string::npos || rp == std::string::npos)
		return false;
	p.comm = statl.substr(lp + 1, rp - lp - 1);
	std::istringstream fs(statl.substr(rp + 2));
	std::vector<std::string> f;
	std::string x;
	while(fs >> x)
		f.push_back(x);
	// f[0] = state (field 3)
	auto F = [&](int field) -> uint64_t {
		size_t i = (size_t)(field - 3);
		return i < f.size() ? strtoull(f[i].c_str(), nullptr, 10) : 0;
	};
	p.ptid = F(4);
	p.pgid = F(5);
	p.sid = F(6);
	p.tty = (uint32_t)F(7);
	p.pfmin = F(10);
	p.pfmaj = F(12);
	p.start_ts = F(22);
	auto ids = split(status_field(status, "Uid"), '\t');
	if(ids.size() >= 2)
		p.uid = (uint32_t)strtoul(ids[1].c_str(), nullptr, 10);
	ids = split(status_field(status, "Gid"), '\t');
	if(ids.size() >= 2)
		p.gid = (uint32_t)strtoul(ids[1].c_str(), nullptr, 10);
	p.vmsize = (uint32_t)strtoul(status_field(status, "VmSize").c_str(), nullptr, 10);
	p.vmrss = (uint32_t)strtoul(status_field(status, "VmRSS").c_str(), nullptr, 10);
	p.vmswap = (uint32_t)strtoul(status_field(status, "VmSwap").c_str(), nullptr, 10);
	p.capi = strtoull(status_field(status, "CapInh").c_str(), nullptr, 16);
	p.capp = strtoull(status_field(status, "CapPrm").c_str(), nullptr, 16);
	p.cape = strtoull(status_field(status, "CapEff").c_str(), nullptr, 16);
	auto ns = split(status_field(status, "NSpid"), '\t');
	p.vpid = pid;
	p.vtid = tid;
	if(!ns.empty() && !ns.back().empty())
		p.vtid = strtoll(ns.back().c_str(), nullptr, 10);
	std::string procdir = "/proc/" + std::to_string(pid);
	std::string pst;
	if(tid != pid && read_file(procdir + "/status", pst)) {
		auto pns = split(status_field(pst, "NSpid"), '\t');
		if(!pns.empty() && !pns.back().empty())
			p.vpid = strtoll(pns.back().c_str(), nullptr, 10);
	} else {
		p.vpid = p.vtid;
	}
	std::string cmd;
	read_file(procdir + "/cmdline", cmd, 65536);
	size_t z = cmd.find('\0');
	if(z == std::string::npos) {
		p.exe = cmd;
		p.args.clear();
	} else {
		p.exe = cmd.substr(0, z);
		p.args = cmd.substr(z + 1);
	}
	if(p.exe.empty())
		p.exe = p.comm;
	p.exepath = read_link(procdir + "/exe");
	p.cwd = read_link(procdir + "/cwd");
	if(!p.cwd.empty() && p.cwd.back() != '/')
		p.cwd.push_back('/');
	p.root = read_link(procdir + "/root");
	read_file(procdir + "/environ", p.env, 65535);
	if(p.env.size() > 65535)
		p.env.resize(65535);
	if(p.args.size() > 65535)
		p.args.resize(65535);
	p.cgroups = cgroup_string(procdir);
	std::string lim;
	if(read_file(procdir + "/limits", lim)) {
		size_t q = lim.find("Max open files");
		if(q != std::string::npos) {
			std::istringstream ls(lim.substr(q + 14));
			std::string soft;
			ls >> soft;
			p.fdlimit = soft == "unlimited" ? (uint64_t)-1 : strtoull(soft.c_str(), nullptr, 10);
		}
	}
	std::string lu;
	if(read_file(procdir + "/loginuid", lu))
		p.loginuid = (uint32_t)strtoul(lu.c_str(), nullptr, 10);
	struct stat es;
	if(stat((procdir + "/exe").c_str(), &es) == 0) {
		p.exe_ino = es.st_ino;
		p.exe_ctime = (uint64_t)es.st_ctim.tv_sec * 1000000000ull + es.st_ctim.tv_nsec;
		p.exe_mtime = (uint64_t)es.st_mtim.tv_sec * 1000000000ull + es.st_mtim.tv_nsec;
	}
	if(!p.exepath.empty())
		p.exe_writable = access(p.exepath.c_str(), W_OK) == 0 ? 1 : 0;
	return true;
}

static void put_proc(Body &b, const ProcInfo &p) {
	size_t start = b.size();
	b.u32(0);  // length, patched below
	b.u64(p.tid);
	b.u64(p.pid);
	b.u64(p.ptid);
	b.u64(p.sid);
	b.u64(p.pgid);  // vpgid
	b.str16(p.comm);
	b.str16(p.exe);
	b.str16(p.exepath);
	b.list16(p.args, kListMax);
	b.str16(p.cwd);
	b.u64(p.fdlimit);
	b.u32(0);  // flags
	b.u32(p.uid);
	b.u32(p.gid);
	b.u32(p.vmsize);
	b.u32(p.vmrss);
	b.u32(p.vmswap);
	b.u64(p.pfmaj);
	b.u64(p.pfmin);
	b.list16(p.env, kListMax);
	b.u64((uint64_t)p.vtid);
	b.u64((uint64_t)p.vpid);
	b.list16(p.cgroups, kListMax);
	b.str16(p.root);
	b.u64(0);  // pidns_init_start_ts
	b.u32(p.tty);
	b.u32(p.loginuid);
	b.u8(p.exe_writable);
	b.u64(p.capi);
	b.u64(p.capp);
	b.u64(p.cape);
	b.u8(0);  // exe_upper_layer
	b.u64(p.exe_ino);
	b.u64(p.exe_ctime);
	b.u64(p.exe_mtime);
	b.u8(0);  // exe_from_memfd
	b.u8(0);  // exe_lower_layer
	b.u64(p.pgid);
	b.patch32(start, (uint32_t)(b.size() - start));
}

static uint32_t to_scap_open_flags(uint32_t f) {
	uint32_t r = 0;
	int acc = f & 3;
	r |= acc == 0 ? 1 : acc == 1 ? 2 : 3;
	if(f & O_CREAT) r |= 1 << 2;
	if(f & O_APPEND) r |= 1 << 3;
	if(f & O_DSYNC) r |= 1 << 4;
	if(f & O_EXCL) r |= 1 << 5;
	if(f & O_NONBLOCK) r |= 1 << 6;
	if((f & O_SYNC) == O_SYNC) r |= 1 << 7;
	if(f & O_TRUNC) r |= 1 << 8;
	if(f & O_DIRECT) r |= 1 << 9;
	if(f & O_DIRECTORY) r |= 1 << 10;
	if(f & O_LARGEFILE) r |= 1 << 11;
	if(f & O_CLOEXEC) r |= 1 << 12;
	return r;
}

static uint32_t user_dev(dev_t d) {
	uint32_t ma = major(d), mi = minor(d);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffu) << 12);
}

// One FDL_V2 block for a process. Returns number of fds.
static uint32_t put_fds(Body &b, uint64_t pid, const SockMap &socks) {
	std::string fddir = "/proc/" + std::to_string(pid) + "/fd";
	DIR *d = opendir(fddir.c_str());
	if(!d)
		return 0;
	uint32_t n = 0;
	struct dirent *de;
	while((de = readdir(d))) {
		if(de->d_name[0] == '.')
			continue;
		uint64_t fd = strtoull(de->d_name, nullptr, 10);
		std::string lpath = fddir + "/" + de->d_name;
		std::string target = read_link(lpath);
		struct stat st;
		if(stat(lpath.c_str(), &st) != 0)
			continue;
		uint32_t flags = 0;
		std::string info;
		std::string fdinfo;
		if(read_file("/proc/" + std::to_string(pid) + "/fdinfo/" + de->d_name, fdinfo)) {
			std::string fl = status_field(fdinfo, "flags");
			flags = (uint32_t)strtoul(fl.c_str(), nullptr, 8);
		}
		size_t start = b.size();
		b.u32(0);
		b.u64(fd);
		b.u64(st.st_ino);
		if(S_ISSOCK(st.st_mode)) {
			auto it = socks.find(st.st_ino);
			if(it == socks.end()) {
				// netlink, packet and other sockets
				b.u8(FD_UNSUPPORTED);
				b.str16(target);
			} else {
				const SockInfo &s = it->second;
				b.u8(s.type);
				switch(s.type) {
				case FD_IPV4_SOCK:
					b.u32(s.sip);
					b.u32(s.dip);
					b.u16(s.sport);
					b.u16(s.dport);
					b.u8(s.l4);
					break;
				case FD_IPV4_SERVSOCK:
					b.u32(s.sip);
					b.u16(s.sport);
					b.u8(s.l4);
					break;
				case FD_IPV6_SOCK:
					b.raw(s.sip6, 16);
					b.raw(s.dip6, 16);
					b.u16(s.sport);
					b.u16(s.dport);
					b.u8(s.l4);
					break;
				case FD_IPV6_SERVSOCK:
					b.raw(s.sip6, 16);
					b.u16(s.sport);
					b.u8(s.l4);
					break;
				default:  // unix
					b.u64(s.usrc);
					b.u64(s.udst);
					b.str16(s.path);
					break;
				}
			}
		} else if(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
			b.u8(FD_FILE_V2);
			b.u32(to_scap_open_flags(flags));
			b.str16(target);
			b.u32(user_dev(st.st_dev));
		} else if(S_ISDIR(st.st_mode)) {
			b.u8(FD_DIRECTORY);
			b.str16(target);
		} else if(S_ISFIFO(st.st_mode)) {
			b.u8(FD_FIFO);
			b.str16(target);
		} else {
			// anon inodes: "anon_inode:[eventfd]" etc.
			uint8_t t = FD_UNSUPPORTED;
			if(target.find("[eventfd]") != std::string::npos)
				t = FD_EVENT;
			else if(target.find("[signalfd]") != std::string::npos)
				t = FD_SIGNALFD;
			else if(target.find("[eventpoll]") != std::string::npos)
				t = FD_EVENTPOLL;
			else if(target.find("inotify") != std::string::npos)
				t = FD_INOTIFY;
			else if(target.find("[timerfd]") != std::string::npos)
				t = FD_TIMERFD;
			// bpf-map, pidfd, memfd, io_uring, userfaultfd: written as "unsupported"
			// with their name, a type that every reader version knows.
			b.u8(t);
			b.str16(target);
		}
		b.patch32(start, (uint32_t)(b.size() - start));
		n++;
	}
	closedir(d);
	return n;
}

static bool is_num(const char *s) {
	if(!*s)
		return false;
	for(; *s; s++)
		if(*s < '0' || *s > '9')
			return false;
	return true;
}

bool write_state(Sink &s, uint64_t boot_ts, StateCounts &c, std::string &err) {
	if(!write_machine_info(s, boot_ts) || !write_iflist(s, c) || !write_userlist(s, c)) {
		err = s.error();
		return false;
	}
	SockMap socks;
	load_inet("/proc/net/tcp", false, 2, socks);
	load_inet("/proc/net/udp", false, 3, socks);
	load_inet("/proc/net/tcp6", true, 2, socks);
	load_inet("/proc/net/udp6", true, 3, socks);
	load_unix(socks);

	Body pl;
	std::vector<uint64_t> mains;
	DIR *d = opendir("/proc");
	if(!d) {
		err = "cannot read /proc";
		return false;
	}
	struct dirent *de;
	while((de = readdir(d))) {
		if(!is_num(de->d_name))
			continue;
		uint64_t pid = strtoull(de->d_name, nullptr, 10);
		std::string tdir = std::string("/proc/") + de->d_name + "/task";
		DIR *td = opendir(tdir.c_str());
		if(!td)
			continue;
		bool any = false;
		struct dirent *te;
		while((te = readdir(td))) {
			if(!is_num(te->d_name))
				continue;
			uint64_t tid = strtoull(te->d_name, nullptr, 10);
			ProcInfo p;
			if(!load_proc(tdir + "/" + te->d_name, tid, pid, p))
				continue;
			put_proc(pl, p);
			c.threads++;
			any = true;
		}
		closedir(td);
		if(any)
			mains.push_back(pid);
	}
	closedir(d);
	if(pl.size() && !s.block(0x215, pl.b.data(), pl.size())) {
		err = s.error();
		return false;
	}
	for(uint64_t pid : mains) {
		Body fl;
		fl.u64(pid);
		c.fds += put_fds(fl, pid, socks);
		if(!s.block(0x218, fl.b.data(), fl.size())) {
			err = s.error();
			return false;
		}
	}
	return true;
}

}  // namespace fscap
