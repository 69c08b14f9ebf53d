#include <stdio.h>
int main(void) {
  /* c */ int n = 0x1f;
  printf("%d\n", n); // x
  return 0;
}
