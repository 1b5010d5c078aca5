/* DiffAcc host library: runs a compiled UNet on the Diff-Acc accelerator.
 *
 * The library talks to the accelerator only through a diffacc_device: three register functions and a
 * physically contiguous DMA window. diffacc_linux.c makes one on the ZCU102 (registers through UIO or
 * /dev/mem, the window from a u-dma-buf device or a reserved region); diffacc_sim.c makes one inside
 * the Verilator simulation of the RTL, so the same code runs in both places.
 *
 * Needs diffacc_isa.h (written by `diffacc generate` / `diffacc vivado`) and diffacc_model.h (written
 * by `diffacc compile`) on the include path. */
#ifndef DIFFACC_H
#define DIFFACC_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "diffacc_isa.h"
#include "diffacc_model.h"

#if DIFFACC_MODEL_GROUPS != DIFFACC_GROUPS || DIFFACC_MODEL_TM != DIFFACC_TM || DIFFACC_MODEL_TN != DIFFACC_TN
#error "diffacc_model.h was compiled for another accelerator shape than diffacc_isa.h describes: compile the model for this preset, or take diffacc_isa.h from its diffacc generate"
#endif

#define DIFFACC_COUNTERS 9

/* How long a step waits for an aborted program to end (it ends within microseconds of the abort). */
#define DIFFACC_ABORT_WAIT_MS 100u

typedef struct diffacc_device {
    void *context;
    uint32_t (*read32)(void *context, uint32_t offset);
    void (*write32)(void *context, uint32_t offset, uint32_t value);
    /* Waits until the interrupt is raised or timeout_ms passes; returns 1 when it was raised. */
    int (*wait_interrupt)(void *context, uint32_t timeout_ms);
    uint8_t *dma;      /* the CPU's view of the window */
    uint64_t dma_phys; /* the accelerator's (bus) address of its first byte */
    uint64_t dma_bytes;
    FILE *log;         /* where the command writes its report */
} diffacc_device;

/* Where compile's files go in the DMA window: image, then the work region, then the program, 4 KiB aligned. */
typedef struct diffacc_layout {
    uint64_t image, work, program, bytes; /* offsets from the window's start; bytes: the window needed */
} diffacc_layout;

typedef struct diffacc_report {
    uint32_t status, error_code, error_pc, engine_state, id;
    uint64_t counters[DIFFACC_COUNTERS];
    int interrupted; /* 0: the timeout passed without an interrupt */
    int busy_before; /* 1: an earlier program was still running, so nothing was started */
    int aborted;     /* 1: no interrupt before the timeout, so the driver aborted the program */
    int stopped;     /* after an abort: 1 when the machine ended the program (the interrupt came) */
} diffacc_report;

extern const char *const diffacc_counter_names[DIFFACC_COUNTERS];

/* The name of an ERROR_CODE value (DIFFACC_ERROR_NAMES of diffacc_isa.h), "UNKNOWN" beyond them. */
const char *diffacc_error_name(uint32_t code);

diffacc_layout diffacc_model_layout(void);

/* 0 when the accelerator's ID and shape are the ones the model was compiled for; otherwise -1 and a reason. */
int diffacc_check(const diffacc_device *device, char *why, size_t why_bytes);

/* Copies program.bin and image.bin into the window and zeroes the work region; -1 and a reason on failure. */
int diffacc_load(const diffacc_device *device, const char *program_path, const char *image_path, char *why, size_t why_bytes);

/* Quantizes sample b of the batch ([C, H, W] floats) into the input slot with the step's sample scale. */
void diffacc_write_sample(const diffacc_device *device, unsigned b, unsigned step, const float *chw);

/* The noise prediction of sample b ([C, H, W]) dequantized with the step's output scale. */
void diffacc_read_prediction(const diffacc_device *device, unsigned b, unsigned step, float *chw);

/* Runs the program for one step (STEP and STEP_GROUP set, bases pointed into the window), waits for the
 * interrupt and reads the report; 0 when the program ended done without error. */
int diffacc_run_step(const diffacc_device *device, unsigned step, uint32_t timeout_ms, diffacc_report *report);

/* The deterministic DDIM update (eta 0) after step `step`, in place on n values: to the next step's
 * timestep, or to the image after the last step. */
void diffacc_ddim_update(float *sample, const float *noise, size_t n, unsigned step);

/* The command: see diffacc_run.c. */
int diffacc_main(int argc, char **argv, const diffacc_device *device);

/* The command's options, for --help (printed before any device is opened). */
void diffacc_usage(FILE *out);

/* Orders the CPU's memory accesses around the accelerator's: the sample written to the DMA window
 * before the START write, and the interrupt before the prediction is read. The window is mapped
 * uncached (O_SYNC /dev/mem or u-dma-buf without sync-mode caching), so no cache maintenance is
 * needed, only ordering; on aarch64 a full-system DSB, elsewhere a compiler and CPU fence. */
#if defined(__aarch64__)
#define DIFFACC_BARRIER() __asm__ __volatile__("dsb sy" ::: "memory")
#else
#define DIFFACC_BARRIER() __sync_synchronize()
#endif

#endif
