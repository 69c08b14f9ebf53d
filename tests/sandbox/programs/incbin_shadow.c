/* SPDX-License-Identifier: MIT
 * The assembler reads files too: .incbin would embed a host file in the
 * program, which then prints it at run time. The compile step sees only
 * the box's root, where /etc/shadow is not: CE, and not a byte of it in
 * any output. */
#include <stdio.h>
__asm__(".section .rodata\n.globl host_file\nhost_file:\n.incbin \"/etc/shadow\"\n.byte 0\n"
        ".previous\n");
extern const char host_file[];
int main(void)
{
    printf("EMBEDDED %s\n", host_file);
    return 0;
}
