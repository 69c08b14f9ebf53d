/* SPDX-License-Identifier: MIT
 * Spins forever: TLE by CPU. */
int main(void)
{
    volatile unsigned long x = 0;
    for (;;)
        x++;
}
