/* A stand-in for Windows 10's bcryptprimitives.dll, for the Wine test only (tests/windows_cli.rs).
 * Rust's standard library (and getrandom) take their random bytes from its ProcessPrng; Debian 12's
 * Wine 8.0 has no such DLL (Wine 9 has), so the program would not even load. This one answers from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine 8 has. It is never shipped: a real Windows
 * 10 or 11 has the real one. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
    while (len > 0) {
        ULONG n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
        if (!SystemFunction036(data, n))
            return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
