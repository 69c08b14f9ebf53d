/* SPDX-License-Identifier: MIT
 * Code written at run time cannot be mapped executable from /tmp (noexec):
 * the program copies itself there and asks for PROT_EXEC, by mmap and by
 * mprotect. (execve of it would be the run's second exec: exec_shell.c.) */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
int main(void)
{
    char buf[65536];
    ssize_t n;
    int in = open("/box/main", O_RDONLY), out = open("/tmp/copy", O_RDWR | O_CREAT, 0755);
    void *p;

    if (in < 0 || out < 0) {
        printf("open failed: %s\n", strerror(errno));
        return 1;
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            return 1;
    p = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, out, 0);
    printf("mmap exec: %s\n", p == MAP_FAILED ? strerror(errno) : "MAPPED");
    p = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, out, 0);
    if (p == MAP_FAILED)
        return 1;
    printf("mprotect exec: %s\n",
           mprotect(p, 4096, PROT_READ | PROT_EXEC) < 0 ? strerror(errno) : "MAPPED");
    return 0;
}
