#ifndef TERMCALL_CZLIB_SHIM_H
#define TERMCALL_CZLIB_SHIM_H
// zlib for the one-line pasted session descriptions (Signaling/PastedDescription.swift): only
// compress2/uncompress, plain functions, so no wrappers are needed.
#include <zlib.h>
#endif
