/* SPDX-License-Identifier: MIT
 * Exits with 3: RE with exit_code 3. */
int main(void)
{
    return 3;
}
