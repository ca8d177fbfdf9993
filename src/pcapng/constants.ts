/** pcap-ng framing constants (the subset a SCAP file uses). */
export const SHB_BLOCK_TYPE = 0x0a0d0d0a;
export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
/** Smallest possible block: type, length, trailing length. */
export const BLOCK_OVERHEAD = 12;
/** SHB body before options: magic, major, minor, section length. */
export const SHB_FIXED_BODY = 16;
export const OPT_ENDOFOPT = 0;
export const OPT_COMMENT = 1;
/** SHB-specific option codes from the pcap-ng specification. */
export const SHB_OPT_HARDWARE = 2;
export const SHB_OPT_OS = 3;
export const SHB_OPT_USERAPPL = 4;
