/* SPDX-License-Identifier: MIT
 * The benchmark's payload: a static binary that does nothing. */
int main(void)
{
    return 0;
}
