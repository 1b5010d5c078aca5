/* diffacc-run inside the Verilator simulation of DiffAccTop: the harness (DiffAcc.Sim's AXI system
 * harness) gives a sim_host_bus whose register accesses are AXI4-Lite transactions on the simulated
 * slave and whose memory is the DDR behind the accelerator's AXI masters. */
#include "diffacc.h"
#include "sim_host.h"

typedef struct sim_context {
    const sim_host_bus *bus;
} sim_context;

static uint32_t sim_read32(void *context, uint32_t offset) { return ((sim_context *)context)->bus->read32(offset); }
static void sim_write32(void *context, uint32_t offset, uint32_t value) { ((sim_context *)context)->bus->write32(offset, value); }

static int sim_wait_interrupt(void *context, uint32_t timeout_ms)
{
    const sim_host_bus *bus = ((sim_context *)context)->bus;
    return bus->wait_interrupt((uint64_t)timeout_ms * (uint64_t)(bus->clock_mhz * 1000.0));
}

int sim_host_main(int argc, char **argv, const sim_host_bus *bus)
{
    sim_context context;
    diffacc_device device;
    context.bus = bus;
    device.context = &context;
    device.read32 = sim_read32;
    device.write32 = sim_write32;
    device.wait_interrupt = sim_wait_interrupt;
    device.dma = bus->memory;
    device.dma_phys = bus->memory_base;
    device.dma_bytes = bus->memory_bytes;
    /* stdout belongs to the harness's JSON report. */
    device.log = stderr;
    return diffacc_main(argc, argv, &device);
}
