/* SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only */
/*
 * falco-scap: socket parameters in libscap's layouts, shared by both drivers.
 *
 * Each driver reads the socket (BPF_CORE_READ on one side, plain loads under
 * RCU on the other) and hands the values to these writers, so the byte
 * layout of PT_SOCKTUPLE and PT_SOCKADDR exists once. Include after encode.h
 * and flags.h.
 *
 *   PT_SOCKTUPLE  inet:  u8 family | u32 sip | u16 sport | u32 dip | u16 dport
 *                 inet6: u8 family | 16 sip  | u16 sport | 16 dip  | u16 dport
 *                 unix:  u8 family | u64 src | u64 dst   | path NUL
 *   PT_SOCKADDR   inet:  u8 family | u32 ip  | u16 port
 *                 inet6: u8 family | 16 ip   | u16 port
 *                 unix:  u8 family | path NUL
 * Addresses stay in network order; ports are in host order.
 */
#ifndef FALCO_SCAP_SOCKETS_H
#define FALCO_SCAP_SOCKETS_H

#define FS_UNIX_PATH_MAX 108

static __always_inline ENC_U16 fs_ntohs(ENC_U16 v) {
	return (ENC_U16)((v >> 8) | (v << 8));
}

/* Pointer to the next data byte, for writers that fill in place. */
static __always_inline unsigned char *enc_cursor(struct scap_enc *e) {
	return &e->buf[ENC_OFF(e->off)];
}

/* Close a parameter of n bytes written at enc_cursor(). */
static __always_inline void enc_commit_param(struct scap_enc *e, ENC_U32 n) {
	e->off += n;
	enc_set_len(e, (ENC_U16)n);
}

/* Both addresses in network order, both ports in host order. */
static __always_inline void enc_tuple_inet(struct scap_enc *e, ENC_U32 sip, ENC_U16 sport, ENC_U32 dip,
                                           ENC_U16 dport) {
	unsigned char *p = enc_cursor(e);
	p[0] = FS_AF_INET;
	__builtin_memcpy(p + 1, &sip, 4);
	__builtin_memcpy(p + 5, &sport, 2);
	__builtin_memcpy(p + 7, &dip, 4);
	__builtin_memcpy(p + 11, &dport, 2);
	enc_commit_param(e, 13);
}

/* The caller has copied the 16-byte addresses to p+1 and p+19 (p = enc_cursor()). */
static __always_inline void enc_tuple_inet6_ports(struct scap_enc *e, ENC_U16 sport, ENC_U16 dport) {
	unsigned char *p = enc_cursor(e);
	p[0] = FS_AF_INET6;
	__builtin_memcpy(p + 17, &sport, 2);
	__builtin_memcpy(p + 35, &dport, 2);
	enc_commit_param(e, 37);
}

/* The caller has copied the path (NUL included, `pathlen` bytes, 0 when it
 * could not) to p+17. An unnamed socket gets an empty string. */
static __always_inline void enc_tuple_unix(struct scap_enc *e, ENC_U64 src, ENC_U64 dst, long pathlen) {
	unsigned char *p = enc_cursor(e);
	p[0] = FS_AF_UNIX;
	__builtin_memcpy(p + 1, &src, 8);
	__builtin_memcpy(p + 9, &dst, 8);
	if(pathlen <= 0) {
		p[17] = 0;
		pathlen = 1;
	}
	enc_commit_param(e, 17 + ((ENC_U32)pathlen & 127));
}

static __always_inline void enc_sockaddr_inet(struct scap_enc *e, ENC_U32 ip, ENC_U16 port) {
	unsigned char *p = enc_cursor(e);
	p[0] = FS_AF_INET;
	__builtin_memcpy(p + 1, &ip, 4);
	__builtin_memcpy(p + 5, &port, 2);
	enc_commit_param(e, 7);
}

/* The caller has copied the 16-byte address to p+1. */
static __always_inline void enc_sockaddr_inet6_port(struct scap_enc *e, ENC_U16 port) {
	unsigned char *p = enc_cursor(e);
	p[0] = FS_AF_INET6;
	__builtin_memcpy(p + 17, &port, 2);
	enc_commit_param(e, 19);
}

/* The caller has copied the path (NUL included, `pathlen` bytes) to p+1. */
static __always_inline void enc_sockaddr_unix(struct scap_enc *e, long pathlen) {
	unsigned char *p = enc_cursor(e);
	p[0] = FS_AF_UNIX;
	if(pathlen <= 0) {
		p[1] = 0;
		pathlen = 1;
	}
	enc_commit_param(e, 1 + ((ENC_U32)pathlen & 127));
}

/* A listening socket's backlog fill, in percent (accept exit "queuepct"). */
static __always_inline unsigned char fs_queue_pct(ENC_U32 len, ENC_U32 max) {
	return max ? (unsigned char)(len * 100 / max) : 0;
}

#endif
