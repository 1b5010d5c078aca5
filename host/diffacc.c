/* DiffAcc host library: see diffacc.h. */
#include "diffacc.h"

#include <math.h>
#include <string.h>

const char *const diffacc_counter_names[DIFFACC_COUNTERS] = {
    "cycles", "pe_busy", "dma_wait", "dependency_wait", "vector_busy", "bytes_read", "bytes_written", "instructions", "weight_wait",
};

static const uint32_t counter_registers[DIFFACC_COUNTERS] = {
    DIFFACC_REG_CYCLES_LO, DIFFACC_REG_PE_BUSY_LO, DIFFACC_REG_DMA_WAIT_LO, DIFFACC_REG_DEPENDENCY_WAIT_LO, DIFFACC_REG_VECTOR_BUSY_LO,
    DIFFACC_REG_BYTES_READ_LO, DIFFACC_REG_BYTES_WRITTEN_LO, DIFFACC_REG_INSTRUCTIONS_LO, DIFFACC_REG_WEIGHT_WAIT_LO,
};

const char *diffacc_error_name(uint32_t code)
{
    static const char *const names[] = DIFFACC_ERROR_NAMES;
    return code < sizeof names / sizeof names[0] ? names[code] : "UNKNOWN";
}

static uint64_t align4k(uint64_t bytes) { return (bytes + 4095u) / 4096u * 4096u; }

diffacc_layout diffacc_model_layout(void)
{
    diffacc_layout layout;
    layout.image = 0;
    layout.work = align4k(DIFFACC_MODEL_IMAGE_BYTES);
    layout.program = align4k(layout.work + DIFFACC_MODEL_WORK_BYTES);
    layout.bytes = layout.program + DIFFACC_MODEL_PROGRAM_BYTES;
    return layout;
}

int diffacc_check(const diffacc_device *device, char *why, size_t why_bytes)
{
    uint32_t id = device->read32(device->context, DIFFACC_REG_ID);
    uint32_t shape = device->read32(device->context, DIFFACC_REG_SHAPE);
    uint32_t expected = (uint32_t)DIFFACC_GROUPS | ((uint32_t)DIFFACC_TM << 8) | ((uint32_t)DIFFACC_TN << 16) | ((uint32_t)DIFFACC_VECTOR_LANES << 24);
    if (id != DIFFACC_ID) {
        snprintf(why, why_bytes, "ID register reads 0x%08x, not Diff-Acc ISA 0x%08x: wrong address or no bitstream", (unsigned)id, (unsigned)DIFFACC_ID);
        return -1;
    }
    if (shape != expected) {
        snprintf(why, why_bytes, "SHAPE reads 0x%08x but the headers are for 0x%08x (preset %s): regenerate them for this bitstream", (unsigned)shape, (unsigned)expected, DIFFACC_MODEL_PRESET);
        return -1;
    }
    if (device->dma_bytes < diffacc_model_layout().bytes) {
        snprintf(why, why_bytes, "the DMA window has %llu bytes; the model needs %llu", (unsigned long long)device->dma_bytes, (unsigned long long)diffacc_model_layout().bytes);
        return -1;
    }
    return 0;
}

static int load_file(const char *path, uint8_t *target, uint64_t expected, char *why, size_t why_bytes)
{
    FILE *f = fopen(path, "rb");
    size_t got;
    int extra;
    if (!f) {
        snprintf(why, why_bytes, "cannot open %s", path);
        return -1;
    }
    got = fread(target, 1, (size_t)expected, f);
    extra = fgetc(f);
    fclose(f);
    if (got != expected || extra != EOF) {
        snprintf(why, why_bytes, "%s is not the %llu bytes diffacc_model.h was compiled with: regenerate the headers with the files", path, (unsigned long long)expected);
        return -1;
    }
    return 0;
}

int diffacc_load(const diffacc_device *device, const char *program_path, const char *image_path, char *why, size_t why_bytes)
{
    diffacc_layout layout = diffacc_model_layout();
    if (load_file(image_path, device->dma + layout.image, DIFFACC_MODEL_IMAGE_BYTES, why, why_bytes) != 0)
        return -1;
    memset(device->dma + layout.work, 0, (size_t)(layout.program - layout.work));
    return load_file(program_path, device->dma + layout.program, DIFFACC_MODEL_PROGRAM_BYTES, why, why_bytes);
}

static int8_t quantize(float value, double scale)
{
    double q = floor((double)value / scale + 0.5);
    return (int8_t)(q > 127.0 ? 127 : q < -128.0 ? -128 : q);
}

void diffacc_write_sample(const diffacc_device *device, unsigned b, unsigned step, const float *chw)
{
    const unsigned pixels = DIFFACC_MODEL_INPUT_HEIGHT * DIFFACC_MODEL_INPUT_WIDTH;
    uint8_t *slot = device->dma + diffacc_model_layout().work + DIFFACC_MODEL_INPUT_OFFSET + (uint64_t)b * DIFFACC_MODEL_INPUT_SAMPLE_STRIDE;
    double scale = diffacc_model_sample_scales[diffacc_model_step_groups[step]];
    unsigned p, c;
    for (p = 0; p < pixels; ++p) {
        for (c = 0; c < DIFFACC_MODEL_INPUT_PIXEL_BYTES; ++c)
            slot[p * DIFFACC_MODEL_INPUT_PIXEL_BYTES + c] = c < DIFFACC_MODEL_INPUT_CHANNELS ? (uint8_t)quantize(chw[c * pixels + p], scale) : 0;
    }
}

void diffacc_read_prediction(const diffacc_device *device, unsigned b, unsigned step, float *chw)
{
    const unsigned pixels = DIFFACC_MODEL_OUTPUT_HEIGHT * DIFFACC_MODEL_OUTPUT_WIDTH;
    const uint8_t *slot = device->dma + diffacc_model_layout().work + DIFFACC_MODEL_OUTPUT_OFFSET + (uint64_t)b * DIFFACC_MODEL_OUTPUT_SAMPLE_STRIDE;
    double scale = diffacc_model_output_scales[diffacc_model_step_groups[step]];
    unsigned p, c;
    for (c = 0; c < DIFFACC_MODEL_OUTPUT_CHANNELS; ++c) {
        for (p = 0; p < pixels; ++p)
            chw[c * pixels + p] = (float)((int8_t)slot[p * DIFFACC_MODEL_OUTPUT_PIXEL_BYTES + diffacc_model_output_channel_map[c]] * scale);
    }
}

static void write64(const diffacc_device *device, uint32_t offset, uint64_t value)
{
    device->write32(device->context, offset, (uint32_t)value);
    device->write32(device->context, offset + 4, (uint32_t)(value >> 32));
}

/* DMA window i: the whole pages of [base, base + bytes) with its access bits (1 read, 2 write). */
static void set_window(const diffacc_device *device, unsigned i, uint64_t base, uint64_t bytes)
{
    write64(device, DIFFACC_REG_WINDOW0_BASE_LO + 12u * i, base);
    device->write32(device->context, DIFFACC_REG_WINDOW0_SIZE + 12u * i, (uint32_t)align4k(bytes));
}

int diffacc_run_step(const diffacc_device *device, unsigned step, uint32_t timeout_ms, diffacc_report *report)
{
    diffacc_layout layout = diffacc_model_layout();
    uint64_t window = device->dma_phys;
    unsigned i;
    memset(report, 0, sizeof *report);
    /* A program a timed-out host left running ignores START: say so rather than wait for nothing. */
    report->status = device->read32(device->context, DIFFACC_REG_STATUS);
    if (report->status & DIFFACC_STATUS_BUSY) {
        report->busy_before = 1;
        return -1;
    }
    /* The same register sequence as the C# HostProtocol: bases, program, step, interrupt, start. */
    write64(device, DIFFACC_REG_BASE0_LO, window + layout.image + DIFFACC_MODEL_CONSTANTS_OFFSET);
    write64(device, DIFFACC_REG_BASE1_LO, window + layout.work);
    write64(device, DIFFACC_REG_BASE2_LO, window + layout.image + DIFFACC_MODEL_STEP_GROUP_TABLES_OFFSET);
    write64(device, DIFFACC_REG_BASE3_LO, window + layout.image + DIFFACC_MODEL_STEP_TABLES_OFFSET);
    /* The accelerator reaches nothing but its buffer: the image and the program read-only, the work region
     * (sample, activations, prediction) read-write; any other burst stops the program (DIFFACC_ERROR_DMA_WINDOW). */
    set_window(device, 0, window + layout.image, layout.work - layout.image);
    set_window(device, 1, window + layout.work, layout.program - layout.work);
    set_window(device, 2, window + layout.program, layout.bytes - layout.program);
    set_window(device, 3, 0, 0);
    device->write32(device->context, DIFFACC_REG_WINDOW_ACCESS, 0x1u | (0x3u << 2) | (0x1u << 4));
    write64(device, DIFFACC_REG_PROGRAM_LO, window + layout.program);
    device->write32(device->context, DIFFACC_REG_PROGRAM_LENGTH, DIFFACC_MODEL_INSTRUCTIONS);
    device->write32(device->context, DIFFACC_REG_STEP, step);
    device->write32(device->context, DIFFACC_REG_STEP_GROUP, diffacc_model_step_groups[step]);
    device->write32(device->context, DIFFACC_REG_IRQ_ENABLE, 1);
    /* A stale interrupt from an aborted step would end the wait at once. */
    device->write32(device->context, DIFFACC_REG_IRQ_STATUS, 1);
    /* The sample and the registers above reach the accelerator before it starts. */
    DIFFACC_BARRIER();
    device->write32(device->context, DIFFACC_REG_CONTROL, DIFFACC_CONTROL_START);
    report->interrupted = device->wait_interrupt(device->context, timeout_ms);
    if (!report->interrupted) {
        /* Left running, the program would keep writing DDR and make the next START be ignored. An abort
         * ends it once the AXI transfers in flight complete: microseconds, so the short wait is ample. */
        device->write32(device->context, DIFFACC_REG_CONTROL, DIFFACC_CONTROL_ABORT);
        report->aborted = 1;
        report->stopped = device->wait_interrupt(device->context, DIFFACC_ABORT_WAIT_MS);
    }
    /* Nothing of the prediction is read before the interrupt. */
    DIFFACC_BARRIER();
    report->status = device->read32(device->context, DIFFACC_REG_STATUS);
    report->error_code = device->read32(device->context, DIFFACC_REG_ERROR_CODE);
    report->error_pc = device->read32(device->context, DIFFACC_REG_ERROR_PC);
    report->engine_state = device->read32(device->context, DIFFACC_REG_ENGINE_STATE);
    report->id = device->read32(device->context, DIFFACC_REG_ID);
    for (i = 0; i < DIFFACC_COUNTERS; ++i) {
        /* The low word latches the high one. */
        uint64_t low = device->read32(device->context, counter_registers[i]);
        uint64_t high = device->read32(device->context, counter_registers[i] + 4);
        report->counters[i] = low | (high << 32);
    }
    device->write32(device->context, DIFFACC_REG_IRQ_STATUS, 1);
    return report->interrupted && (report->status & DIFFACC_STATUS_DONE) && !(report->status & (DIFFACC_STATUS_ERROR | DIFFACC_STATUS_BUSY)) ? 0 : -1;
}

void diffacc_ddim_update(float *sample, const float *noise, size_t n, unsigned step)
{
    /* As the C# DdimScheduler with eta 0: x0 from the prediction (noise or v), clipped to [-1, 1], the noise re-derived from it. */
    double a = diffacc_model_alphas_cumprod[step];
    double a_prev = step + 1 < DIFFACC_MODEL_STEPS ? diffacc_model_alphas_cumprod[step + 1] : 1.0;
    size_t i;
    for (i = 0; i < n; ++i) {
#if DIFFACC_MODEL_PREDICTS_V
        double x0 = sqrt(a) * sample[i] - sqrt(1.0 - a) * noise[i];
#else
        double x0 = (sample[i] - sqrt(1.0 - a) * noise[i]) / sqrt(a);
#endif
        double epsilon;
        x0 = x0 > 1.0 ? 1.0 : x0 < -1.0 ? -1.0 : x0;
        epsilon = (sample[i] - sqrt(a) * x0) / sqrt(1.0 - a);
        sample[i] = (float)(sqrt(a_prev) * x0 + sqrt(1.0 - a_prev) * epsilon);
    }
}
