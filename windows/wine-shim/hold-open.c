/*
 * hold-open FILE MILLISECONDS: opens FILE as Python (and so the AWS CLI) opens a file to read it,
 * sharing read and write but not delete, prints "open" on stdout, holds it for MILLISECONDS, then
 * closes it. While it is open, Windows (and wine) refuse to replace the file by rename. Used by
 * tests/windows to hold the token file while a refresh is due.
 */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: hold-open FILE MILLISECONDS\n");
        return 2;
    }
    HANDLE file = CreateFileA(argv[1], GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                              OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, NULL);
    if (file == INVALID_HANDLE_VALUE) {
        fprintf(stderr, "cannot open %s: error %lu\n", argv[1], GetLastError());
        return 1;
    }
    printf("open\n");
    fflush(stdout);
    Sleep((DWORD)atoi(argv[2]));
    CloseHandle(file);
    return 0;
}
