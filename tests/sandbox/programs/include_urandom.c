/* SPDX-License-Identifier: MIT
 * The preprocessor reads an endless file: the compiler's limits end it. */
#include "/dev/urandom"
int main(void) { return 0; }
