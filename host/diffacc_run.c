/* diffacc-run: samples images with a compiled UNet on the accelerator, or runs one forward pass.
 *
 *   diffacc-run [--program program.bin] [--image image.bin] [--steps N] [--seed S] [--out samples.pgm]
 *               [--timeout-ms MS]
 *   diffacc-run --forward STEP --sample FILE [--dump FILE] [--program ...] [--image ...]
 *
 * Sampling draws DIFFACC_MODEL_BATCH Gaussian samples from the seed, runs the first N steps of the
 * compiled DDIM trajectory (all of them by default) with the host's DDIM update between them, and
 * writes the samples as one greyscale PGM (first channel, [-1, 1] to 0..255). --forward quantizes the
 * float32 [batch, C, H, W] samples of FILE, runs the program once at STEP and writes the whole DMA
 * window to --dump, so a run can be compared byte for byte with the functional simulator. Every run
 * prints the status and performance counters. Exit code 0 when every program ended done. */
#include "diffacc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if DIFFACC_MODEL_INPUT_CHANNELS != DIFFACC_MODEL_OUTPUT_CHANNELS
#error "the DDIM update needs a noise prediction with the sample's channels"
#endif

#define SAMPLE_VALUES (DIFFACC_MODEL_INPUT_CHANNELS * DIFFACC_MODEL_INPUT_HEIGHT * DIFFACC_MODEL_INPUT_WIDTH)
#define PREDICTION_VALUES (DIFFACC_MODEL_OUTPUT_CHANNELS * DIFFACC_MODEL_OUTPUT_HEIGHT * DIFFACC_MODEL_OUTPUT_WIDTH)

void diffacc_usage(FILE *out)
{
    fprintf(out, "COMMAND-OPTIONS (preset %s, batch %u, %u steps):\n"
                 "  [--program program.bin] [--image image.bin] [--steps N] [--seed S] [--out samples.pgm] [--timeout-ms MS]\n"
                 "      sample: N steps of the compiled DDIM trajectory from Gaussian noise, written as one PGM\n"
                 "  --forward STEP --sample FILE [--dump FILE]\n"
                 "      one forward pass at STEP on the float32 samples of FILE; --dump writes the whole DMA window\n",
        DIFFACC_MODEL_PRESET, (unsigned)DIFFACC_MODEL_BATCH, (unsigned)DIFFACC_MODEL_STEPS);
}

static void print_report(FILE *log, unsigned step, const diffacc_report *report)
{
    unsigned i;
    if (report->busy_before) {
        fprintf(log, "step %u: not started: the accelerator is still busy with an earlier program (status 0x%x); wait for it, or abort it (write 0x%x to CONTROL)\n", step, (unsigned)report->status, DIFFACC_CONTROL_ABORT);
        return;
    }
    fprintf(log, "step %u (timestep %u, step group %u): %s, status 0x%x", step, (unsigned)diffacc_model_timesteps[step], (unsigned)diffacc_model_step_groups[step],
        !report->interrupted ? (!report->stopped ? "no interrupt before the timeout, and the abort did not end the program" : "no interrupt before the timeout, aborted")
        : (report->status & DIFFACC_STATUS_ERROR) ? "error" : "done", (unsigned)report->status);
    if (report->status & DIFFACC_STATUS_ERROR)
        fprintf(log, ", error %s (code %u) at instruction %u, engines 0x%x", diffacc_error_name(report->error_code), (unsigned)report->error_code, (unsigned)report->error_pc, (unsigned)report->engine_state);
    for (i = 0; i < DIFFACC_COUNTERS; ++i)
        fprintf(log, "%s %s %llu", i ? "," : ";", diffacc_counter_names[i], (unsigned long long)report->counters[i]);
    fprintf(log, "\n");
}

/* Gaussian noise from a seed: xorshift64* and Box-Muller, the same on every machine. */
static uint64_t random_state;
static double uniform(void)
{
    random_state ^= random_state >> 12;
    random_state ^= random_state << 25;
    random_state ^= random_state >> 27;
    return ((random_state * 2685821657736338717ull) >> 11) * (1.0 / 9007199254740992.0);
}
static float gaussian(void)
{
    double u = uniform(), v = uniform();
    return (float)(sqrt(-2.0 * log(u > 0 ? u : 1e-300)) * cos(6.283185307179586 * v));
}

static int write_pgm(const char *path, const float *samples, unsigned count)
{
    const unsigned h = DIFFACC_MODEL_INPUT_HEIGHT, w = DIFFACC_MODEL_INPUT_WIDTH;
    FILE *f = fopen(path, "wb");
    unsigned y, b, x;
    if (!f)
        return -1;
    fprintf(f, "P5\n%u %u\n255\n", w * count, h);
    for (y = 0; y < h; ++y) {
        for (b = 0; b < count; ++b) {
            for (x = 0; x < w; ++x) {
                double v = (samples[(size_t)b * SAMPLE_VALUES + y * w + x] + 1.0) * 127.5;
                fputc(v < 0 ? 0 : v > 255 ? 255 : (int)(v + 0.5), f);
            }
        }
    }
    return fclose(f) == 0 ? 0 : -1;
}

static int forward(const diffacc_device *device, unsigned step, const char *sample_path, const char *dump_path, uint32_t timeout_ms)
{
    static float samples[DIFFACC_MODEL_BATCH * SAMPLE_VALUES];
    diffacc_report report;
    FILE *f = fopen(sample_path, "rb");
    unsigned b;
    int result;
    if (!f || fread(samples, sizeof(float), DIFFACC_MODEL_BATCH * SAMPLE_VALUES, f) != DIFFACC_MODEL_BATCH * SAMPLE_VALUES) {
        fprintf(stderr, "error: --sample %s must hold %u float32 values (batch %u of %u x %u x %u)\n", sample_path, (unsigned)(DIFFACC_MODEL_BATCH * SAMPLE_VALUES),
            (unsigned)DIFFACC_MODEL_BATCH, (unsigned)DIFFACC_MODEL_INPUT_CHANNELS, (unsigned)DIFFACC_MODEL_INPUT_HEIGHT, (unsigned)DIFFACC_MODEL_INPUT_WIDTH);
        if (f)
            fclose(f);
        return 1;
    }
    fclose(f);
    for (b = 0; b < DIFFACC_MODEL_BATCH; ++b)
        diffacc_write_sample(device, b, step, samples + (size_t)b * SAMPLE_VALUES);
    result = diffacc_run_step(device, step, timeout_ms, &report);
    print_report(device->log, step, &report);
    if (dump_path) {
        FILE *out = fopen(dump_path, "wb");
        uint64_t bytes = diffacc_model_layout().bytes;
        if (!out || fwrite(device->dma, 1, (size_t)bytes, out) != bytes || fclose(out) != 0) {
            fprintf(stderr, "error: cannot write --dump %s\n", dump_path);
            return 1;
        }
    }
    return result == 0 ? 0 : 1;
}

int diffacc_main(int argc, char **argv, const diffacc_device *device)
{
    const char *program = "program.bin", *image = "image.bin", *out = "samples.pgm", *sample = NULL, *dump = NULL;
    unsigned steps = DIFFACC_MODEL_STEPS, forward_step = 0, i, b, step;
    int forward_mode = 0;
    uint32_t timeout_ms = 10000;
    uint64_t seed = 1;
    char why[256];
    static float samples[DIFFACC_MODEL_BATCH * SAMPLE_VALUES];
    static float noise[DIFFACC_MODEL_BATCH * PREDICTION_VALUES];

    for (i = 1; i < (unsigned)argc; ++i) {
        const char *a = argv[i];
        const char *value = i + 1 < (unsigned)argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            diffacc_usage(stdout);
            return 0;
        }
        if (!value) {
            fprintf(stderr, "error: %s needs a value\n", a);
            return 2;
        }
        if (!strcmp(a, "--program")) program = value;
        else if (!strcmp(a, "--image")) image = value;
        else if (!strcmp(a, "--out")) out = value;
        else if (!strcmp(a, "--steps")) steps = (unsigned)strtoul(value, NULL, 0);
        else if (!strcmp(a, "--seed")) seed = strtoull(value, NULL, 0);
        else if (!strcmp(a, "--timeout-ms")) timeout_ms = (uint32_t)strtoul(value, NULL, 0);
        else if (!strcmp(a, "--forward")) { forward_mode = 1; forward_step = (unsigned)strtoul(value, NULL, 0); }
        else if (!strcmp(a, "--sample")) sample = value;
        else if (!strcmp(a, "--dump")) dump = value;
        else {
            fprintf(stderr, "error: unknown option %s\n", a);
            return 2;
        }
        ++i;
    }
    if (steps < 1 || steps > DIFFACC_MODEL_STEPS || (forward_mode && forward_step >= DIFFACC_MODEL_STEPS)) {
        fprintf(stderr, "error: the program was compiled for steps 0 .. %u\n", (unsigned)DIFFACC_MODEL_STEPS - 1);
        return 2;
    }
    if (forward_mode && !sample) {
        fprintf(stderr, "error: --forward needs --sample FILE\n");
        return 2;
    }
    if (diffacc_check(device, why, sizeof why) != 0 || diffacc_load(device, program, image, why, sizeof why) != 0) {
        fprintf(stderr, "error: %s\n", why);
        return 1;
    }
    if (forward_mode)
        return forward(device, forward_step, sample, dump, timeout_ms);

    random_state = seed * 0x9e3779b97f4a7c15ull + 1;
    for (i = 0; i < DIFFACC_MODEL_BATCH * SAMPLE_VALUES; ++i)
        samples[i] = gaussian();
    for (step = 0; step < steps; ++step) {
        diffacc_report report;
        for (b = 0; b < DIFFACC_MODEL_BATCH; ++b)
            diffacc_write_sample(device, b, step, samples + (size_t)b * SAMPLE_VALUES);
        if (diffacc_run_step(device, step, timeout_ms, &report) != 0) {
            print_report(device->log, step, &report);
            return 1;
        }
        print_report(device->log, step, &report);
        for (b = 0; b < DIFFACC_MODEL_BATCH; ++b)
            diffacc_read_prediction(device, b, step, noise + (size_t)b * PREDICTION_VALUES);
        diffacc_ddim_update(samples, noise, DIFFACC_MODEL_BATCH * SAMPLE_VALUES, step);
    }
    if (write_pgm(out, samples, DIFFACC_MODEL_BATCH) != 0) {
        fprintf(stderr, "error: cannot write %s\n", out);
        return 1;
    }
    fprintf(device->log, "wrote %s: %u samples after %u of %u steps\n", out, (unsigned)DIFFACC_MODEL_BATCH, steps, (unsigned)DIFFACC_MODEL_STEPS);
    return 0;
}
