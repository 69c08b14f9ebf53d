// Maximum subarray sum, Kadane's algorithm.
#include <iostream>
#include <vector>
#include <algorithm>
using namespace std;

long long best_sum(const vector<long long>& values) {
    long long best = values[0];
    long long current = 0;
    for (size_t i = 0; i < values.size(); i++) {
        current = max(values[i], current + values[i]);
        best = max(best, current);
    }
    return best;
}

int main() {
    int n;
    cin >> n;
    vector<long long> values(n);
    for (int i = 0; i < n; i++) {
        cin >> values[i];
    }
    if (n == 0) {
        cout << 0 << endl;
        return 0;
    }
    cout << best_sum(values) << endl;
    return 0;
}
