/* Benchmark: n-body simulation in double precision (the five Jovian bodies
 * of the classic benchmark, plus a ring of small bodies, integrated with a
 * symplectic Euler step): FP add/mul/div/sqrt in tight loops over arrays.
 * Built with -ffp-contract=off (tools/build-guests) so that no compiler
 * fuses a multiply-add and every architecture computes the same rounding:
 * the printed energies are compared across runners.
 * Usage: nbody [SCALE]  (default 1; work grows linearly). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define PI 3.141592653589793
#define SOLAR_MASS (4 * PI * PI)
#define DAYS_PER_YEAR 365.24
#define NBIG 5
#define NSMALL 27
#define N (NBIG + NSMALL)

struct body {
    double x, y, z, vx, vy, vz, mass;
};

static struct body bodies[N] = {
    {0, 0, 0, 0, 0, 0, SOLAR_MASS},
    {4.84143144246472090e+00, -1.16032004402742839e+00, -1.03622044471123109e-01,
     1.66007664274403694e-03 * DAYS_PER_YEAR, 7.69901118419740425e-03 * DAYS_PER_YEAR,
     -6.90460016972063023e-05 * DAYS_PER_YEAR, 9.54791938424326609e-04 * SOLAR_MASS},
    {8.34336671824457987e+00, 4.12479856412430479e+00, -4.03523417114321381e-01,
     -2.76742510726862411e-03 * DAYS_PER_YEAR, 4.99852801234917238e-03 * DAYS_PER_YEAR,
     2.30417297573763929e-05 * DAYS_PER_YEAR, 2.85885980666130812e-04 * SOLAR_MASS},
    {1.28943695621391310e+01, -1.51111514016986312e+01, -2.23307578892655734e-01,
     2.96460137564761618e-03 * DAYS_PER_YEAR, 2.37847173959480950e-03 * DAYS_PER_YEAR,
     -2.96589568540237556e-05 * DAYS_PER_YEAR, 4.36624404335156298e-05 * SOLAR_MASS},
    {1.53796971148509165e+01, -2.59193146099879641e+01, 1.79258772950371181e-01,
     2.68067772490389322e-03 * DAYS_PER_YEAR, 1.62824170038242295e-03 * DAYS_PER_YEAR,
     -9.51592254519715870e-05 * DAYS_PER_YEAR, 5.15138902046611451e-05 * SOLAR_MASS},
};

/* The small bodies: a ring between Mars and Jupiter on circular-ish
 * orbits, positions from exact fractions of the ring (no libm in setup). */
static void init_ring(void)
{
    for (int i = 0; i < NSMALL; i++) {
        struct body *b = &bodies[NBIG + i];
        double t = (double)i / NSMALL;
        double r = 2.2 + 1.1 * t;
        /* A point on a square-ish loop around the sun. */
        double u = 4 * t - (int)(4 * t);
        int side = (int)(4 * t);
        double x = side == 0 ? 1 : side == 1 ? 1 - 2 * u : side == 2 ? -1 : -1 + 2 * u;
        double y = side == 0 ? -1 + 2 * u : side == 1 ? 1 : side == 2 ? 1 - 2 * u : -1;
        double v = sqrt(SOLAR_MASS / r) / sqrt(x * x + y * y);
        b->x = r * x;
        b->y = r * y;
        b->z = 0.01 * (i % 5 - 2);
        b->vx = -v * y / sqrt(x * x + y * y);
        b->vy = v * x / sqrt(x * x + y * y);
        b->vz = 0;
        b->mass = 1e-9 * SOLAR_MASS * (1 + i % 3);
    }
}

static void offset_momentum(void)
{
    double px = 0, py = 0, pz = 0;
    for (int i = 0; i < N; i++) {
        px += bodies[i].vx * bodies[i].mass;
        py += bodies[i].vy * bodies[i].mass;
        pz += bodies[i].vz * bodies[i].mass;
    }
    bodies[0].vx = -px / SOLAR_MASS;
    bodies[0].vy = -py / SOLAR_MASS;
    bodies[0].vz = -pz / SOLAR_MASS;
}

static double energy(void)
{
    double e = 0;
    for (int i = 0; i < N; i++) {
        const struct body *b = &bodies[i];
        e += 0.5 * b->mass * (b->vx * b->vx + b->vy * b->vy + b->vz * b->vz);
        for (int j = i + 1; j < N; j++) {
            const struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            e -= b->mass * c->mass / sqrt(dx * dx + dy * dy + dz * dz);
        }
    }
    return e;
}

static void advance(double dt)
{
    for (int i = 0; i < N; i++) {
        struct body *b = &bodies[i];
        for (int j = i + 1; j < N; j++) {
            struct body *c = &bodies[j];
            double dx = b->x - c->x, dy = b->y - c->y, dz = b->z - c->z;
            double d2 = dx * dx + dy * dy + dz * dz;
            double mag = dt / (d2 * sqrt(d2));
            b->vx -= dx * c->mass * mag;
            b->vy -= dy * c->mass * mag;
            b->vz -= dz * c->mass * mag;
            c->vx += dx * b->mass * mag;
            c->vy += dy * b->mass * mag;
            c->vz += dz * b->mass * mag;
        }
    }
    for (int i = 0; i < N; i++) {
        struct body *b = &bodies[i];
        b->x += dt * b->vx;
        b->y += dt * b->vy;
        b->z += dt * b->vz;
    }
}

int main(int argc, char **argv)
{
    long scale = argc > 1 ? atol(argv[1]) : 1;
    init_ring();
    offset_momentum();
    printf("%.9f\n", energy());
    for (long k = 0; k < 4; k++) {
        for (long i = 0; i < 12500 * scale; i++)
            advance(0.001);
        printf("%.9f\n", energy());
    }
    double sx = 0;
    for (int i = 0; i < N; i++)
        sx += bodies[i].x + bodies[i].y + bodies[i].z;
    printf("%.12e\n", sx);
    return 0;
}
