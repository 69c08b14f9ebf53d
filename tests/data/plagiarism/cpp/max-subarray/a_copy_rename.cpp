#include <iostream>
#include <vector>
#include <algorithm>
using namespace std;

// compute the answer
long long kadane(const vector<long long>& arr)
{
    long long res = arr[0];
    long long run = 0;
    for (size_t k = 0; k < arr.size(); k++)
    {
        run = max(arr[k], run + arr[k]);
        res = max(res, run);
    }
    return res;
}

int main()
{
    int len;
    cin >> len;
    vector<long long> arr(len);
    for (int k = 0; k < len; k++)
    {
        cin >> arr[k];
    }
    if (len == 0)
    {
        cout << 0 << endl;
        return 0;
    }
    cout << kadane(arr) << endl;
    return 0;
}
