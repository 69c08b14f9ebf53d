/* SPDX-License-Identifier: MIT
 * Not a byte of the host's /etc/shadow may appear in the CE message. */
#include "/etc/shadow"
int main(void) { return 0; }
