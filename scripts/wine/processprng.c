/* A stand-in for Windows 10's bcryptprimitives.dll, which Wine 8 lacks, for
 * running the Windows builds under Wine in `make dist` only. Rust's standard
 * library on Windows seeds its hash maps with ProcessPrng from that DLL. */
#include <windows.h>
#include <ntsecapi.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    return RtlGenRandom(data, (ULONG)len);
}
