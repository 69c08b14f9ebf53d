/* SPDX-License-Identifier: MIT
 * Execs a shell that tries the same escapes as a script would. */
#include <unistd.h>
int main(void)
{
    execl("/bin/sh", "sh", "-c",
          "id; cat /etc/shadow; echo x > /tmp/gavel_sbx_shell; ls /root /home; "
          "echo shell-ran",
          (char *)0);
    return 1;
}
