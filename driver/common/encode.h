/* SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only */
/*
 * falco-scap: build one libscap event in a scratch buffer.
 *
 * Shared by the eBPF driver (driver/bpf) and the kernel module (driver/kmod). The
 * includer provides, before including this file:
 *
 *   ENC_U8 / ENC_U16 / ENC_U32 / ENC_U64   fixed-width unsigned types
 *   ENC_OFF(x)       turns a byte offset into one the checker accepts
 *                    (a mask for eBPF, identity for a module)
 *   ENC_MAX_CHUNK    largest single variable-size copy (power of two)
 *   ENC_READ_USER(dst, len, src)        copy user memory, 0 on success
 *   ENC_READ_USER_STR(dst, max, src)    copy a user string incl. NUL,
 *                                       returns bytes copied or < 0
 *   ENC_READ_KERNEL(dst, len, src) / ENC_READ_KERNEL_STR(dst, max, src)
 *   ENC_BARRIER(var)  optional: stops the compiler from reusing an unbounded
 *                     copy of `var` after it was clamped (eBPF verifier)
 *   ENC_DIRECT_STORES optional: store multi-byte fields with one (possibly
 *                     misaligned) store each instead of a memcpy
 *
 * Event layout (libscap "ppm_evt_hdr", packed, little endian):
 *   u64 ts | u64 tid | u32 len | u16 type | u32 nparams
 *   u16 param_len[nparams]
 *   param data, back to back
 * `len` counts the header, the length array and the data.
 */
#ifndef FALCO_SCAP_ENCODE_H
#define FALCO_SCAP_ENCODE_H

#define SCAP_EVT_HDR_LEN 26

#ifndef ENC_BARRIER
#define ENC_BARRIER(x) \
	do {               \
	} while(0)
#endif

struct scap_enc {
	unsigned char *buf;
	ENC_U32 off;     /* next data byte */
	ENC_U32 nparams; /* declared parameter count */
	ENC_U32 idx;     /* parameters written so far */
};

#ifdef ENC_DIRECT_STORES
/* One store instruction per field. clang lowers a memcpy to an address of
 * unknown alignment into single-byte stores for eBPF (an 8-byte field took 15
 * instructions); where the includer says so (eBPF on x86: the verifier only
 * enforces alignment with strict alignment, which x86 does not need) the
 * fields are stored directly, misaligned. */
static __always_inline void enc_store16(unsigned char *p, ENC_U16 v) {
	*(ENC_U16 *)p = v;
}
static __always_inline void enc_store32(unsigned char *p, ENC_U32 v) {
	*(ENC_U32 *)p = v;
}
static __always_inline void enc_store64(unsigned char *p, ENC_U64 v) {
	*(ENC_U64 *)p = v;
}
#else
static __always_inline void enc_store16(unsigned char *p, ENC_U16 v) {
	__builtin_memcpy(p, &v, 2);
}
static __always_inline void enc_store32(unsigned char *p, ENC_U32 v) {
	__builtin_memcpy(p, &v, 4);
}
static __always_inline void enc_store64(unsigned char *p, ENC_U64 v) {
	__builtin_memcpy(p, &v, 8);
}
#endif

/* Start an event of `type` that will carry exactly `nparams` parameters. */
static __always_inline void enc_begin(struct scap_enc *e, unsigned char *buf, ENC_U16 type,
                                      ENC_U32 nparams) {
	e->buf = buf;
	e->nparams = nparams;
	e->idx = 0;
	e->off = SCAP_EVT_HDR_LEN + 2 * nparams;
	(void)type; /* the header is written by enc_finish */
}

static __always_inline void enc_set_len(struct scap_enc *e, ENC_U16 len) {
	enc_store16(&e->buf[ENC_OFF(SCAP_EVT_HDR_LEN + 2 * e->idx)], len);
	e->idx++;
}

static __always_inline void enc_u8(struct scap_enc *e, ENC_U8 v) {
	e->buf[ENC_OFF(e->off)] = v;
	e->off += 1;
	enc_set_len(e, 1);
}
static __always_inline void enc_u16(struct scap_enc *e, ENC_U16 v) {
	enc_store16(&e->buf[ENC_OFF(e->off)], v);
	e->off += 2;
	enc_set_len(e, 2);
}
static __always_inline void enc_u32(struct scap_enc *e, ENC_U32 v) {
	enc_store32(&e->buf[ENC_OFF(e->off)], v);
	e->off += 4;
	enc_set_len(e, 4);
}
static __always_inline void enc_u64(struct scap_enc *e, ENC_U64 v) {
	enc_store64(&e->buf[ENC_OFF(e->off)], v);
	e->off += 8;
	enc_set_len(e, 8);
}
#define enc_s64(e, v) enc_u64((e), (ENC_U64)(long long)(v))
#define enc_s32(e, v) enc_u32((e), (ENC_U32)(int)(v))

/* A parameter with no data (libscap reads it as "not available"). */
static __always_inline void enc_empty(struct scap_enc *e) {
	enc_set_len(e, 0);
}

/* Raw bytes that are already in the scratch buffer at the current offset. */
static __always_inline void enc_commit_bytes(struct scap_enc *e, ENC_U32 n) {
	if(n >= ENC_MAX_CHUNK)
		n = ENC_MAX_CHUNK - 1;
	e->off += n;
	enc_set_len(e, (ENC_U16)n);
}

/* A NUL-terminated string (length includes the NUL). A failed read (NULL or
 * bad pointer) gives an empty parameter. Written without branches: every
 * branch here multiplies the states the eBPF verifier explores. */
static __always_inline void enc_user_str(struct scap_enc *e, const void *uptr, ENC_U32 max) {
	long n = ENC_READ_USER_STR(&e->buf[ENC_OFF(e->off)], max, uptr);
	n &= ~(n >> 63); /* negative -> 0 */
	ENC_U32 len = (ENC_U32)n & (ENC_MAX_CHUNK - 1);
	e->off += len;
	enc_set_len(e, (ENC_U16)len);
}

static __always_inline void enc_kernel_str(struct scap_enc *e, const void *kptr, ENC_U32 max) {
	long n = ENC_READ_KERNEL_STR(&e->buf[ENC_OFF(e->off)], max, kptr);
	n &= ~(n >> 63);
	ENC_U32 len = (ENC_U32)n & (ENC_MAX_CHUNK - 1);
	e->off += len;
	enc_set_len(e, (ENC_U16)len);
}

/* Up to `len` bytes of memory (clamped to max and to ENC_MAX_CHUNK - 1). */
#define ENC_BYTES_BODY(READ)                            \
	if(len > max)                                       \
		len = max;                                      \
	if(len >= ENC_MAX_CHUNK)                            \
		len = ENC_MAX_CHUNK - 1;                        \
	if(!ptr || len == 0) {                              \
		enc_empty(e);                                   \
		return;                                         \
	}                                                   \
	ENC_BARRIER(len);                                   \
	len &= (ENC_MAX_CHUNK - 1);                         \
	if(len == 0 || READ(&e->buf[ENC_OFF(e->off)], len, ptr) != 0) { \
		enc_empty(e);                                   \
		return;                                         \
	}                                                   \
	enc_commit_bytes(e, len);

static __always_inline void enc_user_bytes(struct scap_enc *e, const void *ptr, ENC_U32 len,
                                           ENC_U32 max) {
	ENC_BYTES_BODY(ENC_READ_USER)
}

static __always_inline void enc_kernel_bytes(struct scap_enc *e, const void *ptr, ENC_U32 len,
                                             ENC_U32 max) {
	ENC_BYTES_BODY(ENC_READ_KERNEL)
}

/* Write the header once every parameter is in. Returns the event's total length. */
static __always_inline ENC_U32 enc_finish(struct scap_enc *e, ENC_U64 ts, ENC_U64 tid,
                                          ENC_U16 type) {
	unsigned char *b = e->buf;
	enc_store64(&b[0], ts);
	enc_store64(&b[8], tid);
	enc_store32(&b[16], e->off);
	enc_store16(&b[20], type);
	enc_store32(&b[22], e->nparams);
	return e->off;
}

#endif
