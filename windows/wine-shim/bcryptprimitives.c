/*
 * bcryptprimitives.dll for wine 8, which lacks it: Rust's standard library (1.78+) imports
 * ProcessPrng from it for its random numbers (hash seeds, temporary file names). Only the wine
 * test runs use this file (scripts/windows copies the DLL next to the .exe); Windows 10 and later
 * have the real one, and the release archives do not ship it.
 *
 * ProcessPrng fills a buffer from the system's CSPRNG and never fails (Microsoft's documentation);
 * here it is RtlGenRandom, which advapi32 exports as SystemFunction036 and wine implements.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
