/* The benchmark for scripts/bench-rv32: integer matrix multiply, a sieve and an insertion
   sort, repeated. Prints a checksum; exits with its low byte. */
int printf(const char *fmt, ...);

int a[48][48], b[48][48], c[48][48];
char composite[20000];
int data[600];
unsigned seed = 1;

unsigned next(void) { seed = seed * 1103515245u + 12345u; return seed >> 8; }

unsigned matmul(int n) {
    int i, j, k;
    unsigned sum = 0;
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            int s = 0;
            for (k = 0; k < n; k++) s += a[i][k] * b[k][j];
            c[i][j] = s;
            sum += s;
        }
    return sum;
}

int sieve(int n) {
    int i, j, count = 0;
    for (i = 0; i < n; i++) composite[i] = 0;
    for (i = 2; i < n; i++) {
        if (composite[i]) continue;
        count++;
        for (j = i + i; j < n; j += i) composite[j] = 1;
    }
    return count;
}

unsigned sort(int n) {
    int i, j;
    unsigned h = 2166136261u;
    for (i = 0; i < n; i++) data[i] = next() % 10000;
    for (i = 1; i < n; i++) {
        int t = data[i];
        for (j = i - 1; j >= 0 && data[j] > t; j--) data[j + 1] = data[j];
        data[j + 1] = t;
    }
    for (i = 0; i < n; i++) h = (h ^ data[i]) * 16777619u;
    return h;
}

int main() {
    int round, i, j;
    unsigned checksum = 0;
    for (i = 0; i < 48; i++)
        for (j = 0; j < 48; j++) { a[i][j] = next() % 100; b[i][j] = next() % 100; }
    for (round = 0; round < 20; round++) {
        checksum += matmul(48);
        checksum ^= sieve(20000);
        checksum += sort(600);
        a[round % 48][round % 48] += 1;
    }
    printf("checksum %u\n", checksum);
    return checksum & 255;
}
