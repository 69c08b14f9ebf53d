/* SPDX-License-Identifier: MIT
 * Reserves 16 GiB of address space without touching it, as the JVM and
 * ASan do: not MLE (the limit is the cgroup, not RLIMIT_AS). */
#include <stdio.h>
#include <sys/mman.h>
int main(void)
{
    void *p = mmap(0, 16ul << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    printf("%s\n", p == MAP_FAILED ? "failed" : "reserved");
    return p == MAP_FAILED;
}
