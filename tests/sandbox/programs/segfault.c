/* SPDX-License-Identifier: MIT
 * Dereferences NULL: RE with signal 11. */
int main(void)
{
    volatile int *p = 0;
    return *p;
}
