/* SPDX-License-Identifier: Apache-2.0 OR GPL-2.0-only */
/*
 * falco-scap: event-type choices both drivers make the same way.
 *
 * The includer has the PPME_* codes (ppm_codes.h) and the x86-64 __NR_* syscall
 * numbers in scope, and ENC_U16 (see encode.h).
 */
#ifndef FALCO_SCAP_EVENTS_H
#define FALCO_SCAP_EVENTS_H

/* clone, clone3, fork and vfork each have their own event pair; anything else routed
 * here is vfork. */
static __always_inline ENC_U16 fs_clone_event_type(long id, int enter) {
	switch(id) {
	case __NR_clone:
		return enter ? PPME_SYSCALL_CLONE_20_E : PPME_SYSCALL_CLONE_20_X;
	case __NR_clone3:
		return enter ? PPME_SYSCALL_CLONE3_E : PPME_SYSCALL_CLONE3_X;
	case __NR_fork:
		return enter ? PPME_SYSCALL_FORK_20_E : PPME_SYSCALL_FORK_20_X;
	default:
		return enter ? PPME_SYSCALL_VFORK_20_E : PPME_SYSCALL_VFORK_20_X;
	}
}

#endif
