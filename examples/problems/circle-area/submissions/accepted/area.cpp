/* SPDX-License-Identifier: MIT */
#include <cmath>
#include <iomanip>
#include <iostream>
#include <numbers>

int main()
{
    std::ios::sync_with_stdio(false);
    int n;
    std::cin >> n;
    std::cout << std::fixed << std::setprecision(8);
    for (int i = 0; i < n; i++) {
        double r;
        std::cin >> r;
        std::cout << std::numbers::pi * r * r << '\n';
    }
}
