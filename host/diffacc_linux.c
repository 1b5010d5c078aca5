#define _DEFAULT_SOURCE
/* diffacc-run on Linux (the ZCU102's A53s): registers through UIO or /dev/mem, the DMA window from a
 * u-dma-buf device or a reserved-memory region through /dev/mem.
 *
 *   diffacc-run [--uio /dev/uio0 | --registers 0xA0000000] [--udmabuf udmabuf0 | --dma PHYS --dma-bytes N] COMMAND-OPTIONS
 *
 * Defaults: the registers at 0xA0000000 (where bd.tcl maps them) through /dev/mem, and the u-dma-buf
 * device udmabuf0 (its physical address from /sys/class/u-dma-buf/udmabuf0/phys_addr). With UIO
 * (generic-uio bound to the accelerator's node, interrupt pl_ps_irq0) the interrupt wakes the
 * process; without, the status register is polled. */
#include "diffacc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef struct linux_bus {
    volatile uint32_t *registers;
    int uio; /* -1 without UIO */
} linux_bus;

static uint32_t linux_read32(void *context, uint32_t offset) { return ((linux_bus *)context)->registers[offset / 4]; }
static void linux_write32(void *context, uint32_t offset, uint32_t value) { ((linux_bus *)context)->registers[offset / 4] = value; }

static uint64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000u + (uint64_t)t.tv_nsec / 1000000u;
}

static int linux_wait_interrupt(void *context, uint32_t timeout_ms)
{
    linux_bus *bus = context;
    uint64_t deadline = now_ms() + timeout_ms;
    if (bus->uio >= 0) {
        uint32_t enable = 1, count;
        struct pollfd p;
        /* Re-arm the UIO interrupt, then sleep until it fires. */
        if (write(bus->uio, &enable, sizeof enable) != (ssize_t)sizeof enable)
            return 0;
        p.fd = bus->uio;
        p.events = POLLIN;
        for (;;) {
            /* The time left is taken once per wait, so it cannot pass the deadline between the test and the poll. */
            uint64_t now = now_ms();
            int ready;
            if (now >= deadline)
                break;
            ready = poll(&p, 1, deadline - now > 60000u ? 60000 : (int)(deadline - now));
            if (ready > 0 && read(bus->uio, &count, sizeof count) == (ssize_t)sizeof count)
                return 1;
            if (ready < 0 && errno != EINTR)
                return 0;
        }
        return 0;
    }
    while (now_ms() < deadline) {
        if (linux_read32(bus, DIFFACC_REG_IRQ_STATUS) & 1u)
            return 1;
        usleep(50);
    }
    return 0;
}

static void *map(int fd, uint64_t offset, uint64_t bytes, const char *what)
{
    void *p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)offset);
    if (p == MAP_FAILED) {
        fprintf(stderr, "error: cannot map %s: %s\n", what, strerror(errno));
        exit(1);
    }
    return p;
}

static uint64_t read_sysfs(const char *path)
{
    char text[64] = {0};
    FILE *f = fopen(path, "r");
    if (!f || !fgets(text, sizeof text, f)) {
        fprintf(stderr, "error: cannot read %s (is the u-dma-buf module loaded?)\n", path);
        exit(1);
    }
    fclose(f);
    return strtoull(text, NULL, 0);
}

static void usage(void)
{
    printf("usage: diffacc-run [--uio /dev/uioN | --registers PHYS] [--udmabuf NAME | --dma PHYS --dma-bytes N] COMMAND-OPTIONS\n"
           "  --uio /dev/uioN     the accelerator's registers and interrupt through generic-uio (else /dev/mem, polling)\n"
           "  --registers PHYS    the register window's physical address with /dev/mem (default 0xA0000000)\n"
           "  --udmabuf NAME      the DMA window from a u-dma-buf device (default udmabuf0)\n"
           "  --dma PHYS, --dma-bytes N  the DMA window from a reserved-memory region through /dev/mem\n");
    diffacc_usage(stdout);
}

int main(int argc, char **argv)
{
    const char *uio = NULL, *udmabuf = "udmabuf0";
    uint64_t registers = 0xA0000000u, dma = 0, dma_bytes = 0;
    char **rest = malloc(sizeof(char *) * (size_t)(argc + 1));
    int count = 0, i, mem = -1;
    linux_bus bus;
    diffacc_device device;
    if (!rest)
        return 1;
    rest[count++] = argv[0];
    for (i = 1; i < argc; ++i) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            /* Before any device is opened: help works on any machine, as any user. */
            usage();
            free(rest);
            return 0;
        }
    }
    for (i = 1; i < argc; ++i) {
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--uio") && value) { uio = value; ++i; }
        else if (!strcmp(argv[i], "--registers") && value) { registers = strtoull(value, NULL, 0); ++i; }
        else if (!strcmp(argv[i], "--udmabuf") && value) { udmabuf = value; ++i; }
        else if (!strcmp(argv[i], "--dma") && value) { dma = strtoull(value, NULL, 0); udmabuf = NULL; ++i; }
        else if (!strcmp(argv[i], "--dma-bytes") && value) { dma_bytes = strtoull(value, NULL, 0); ++i; }
        else rest[count++] = argv[i];
    }
    rest[count] = NULL;

    memset(&device, 0, sizeof device);
    bus.uio = -1;
    if (uio) {
        bus.uio = open(uio, O_RDWR | O_SYNC);
        if (bus.uio < 0) {
            fprintf(stderr, "error: cannot open %s: %s\n", uio, strerror(errno));
            return 1;
        }
        bus.registers = map(bus.uio, 0, DIFFACC_REG_WINDOW_BYTES, uio);
    } else {
        mem = open("/dev/mem", O_RDWR | O_SYNC);
        if (mem < 0) {
            fprintf(stderr, "error: cannot open /dev/mem (run as root, or use --uio): %s\n", strerror(errno));
            return 1;
        }
        bus.registers = map(mem, registers, DIFFACC_REG_WINDOW_BYTES, "the registers");
    }
    if (udmabuf) {
        char path[256];
        int fd;
        snprintf(path, sizeof path, "/sys/class/u-dma-buf/%s/phys_addr", udmabuf);
        device.dma_phys = read_sysfs(path);
        snprintf(path, sizeof path, "/sys/class/u-dma-buf/%s/size", udmabuf);
        device.dma_bytes = read_sysfs(path);
        snprintf(path, sizeof path, "/dev/%s", udmabuf);
        fd = open(path, O_RDWR | O_SYNC);
        if (fd < 0) {
            fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
            return 1;
        }
        device.dma = map(fd, 0, device.dma_bytes, path);
    } else {
        if (mem < 0)
            mem = open("/dev/mem", O_RDWR | O_SYNC);
        if (mem < 0 || dma_bytes == 0) {
            fprintf(stderr, "error: --dma needs --dma-bytes and /dev/mem\n");
            return 1;
        }
        device.dma_phys = dma;
        device.dma_bytes = dma_bytes;
        device.dma = map(mem, dma, dma_bytes, "the DMA window");
    }
    device.context = &bus;
    device.read32 = linux_read32;
    device.write32 = linux_write32;
    device.wait_interrupt = linux_wait_interrupt;
    device.log = stdout;
    return diffacc_main(count, rest, &device);
}
