// SPDX-License-Identifier: MIT
// Recursion ~100 MB deep: works because the stack limit is the memory limit.
#include <cstdio>
static long depth(long n)
{
    volatile char pad[64];
    pad[0] = (char)n;
    return n == 0 ? pad[0] : depth(n - 1) + pad[0];
}
int main()
{
    std::printf("%ld\n", depth(1000000));
}
