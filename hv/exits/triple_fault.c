/* Triple fault (exit reason 2): the guest's processor would shut down.
 * Report it with a register dump, then do what the config says: reset the
 * machine (as the chipset does on shutdown) or halt. */
#include "../lib/log.h"
#include "../lib/serial.h"
#include "../stats/dump.h"
#include "../vmx/vmx_ops.h"
#include "exits.h"

#include <hv/cpu.h>

enum exit_action handle_triple_fault(struct exit_ctx *ctx)
{
	log_printf("guest TRIPLE FAULT on CPU %u\n", ctx->vcpu->index);
	dump_guest_state(ctx);
	log_printf("final statistics:\n");
	stats_request_final(ctx->vcpu);
	if (ctx->vcpu->hv->config.on_triple_fault_reset) {
		log_printf("resetting the machine (on_triple_fault = reset)\n");
		serial_drain();
		outb(0xcf9, 0x02);
		outb(0xcf9, 0x06); /* reset control register: hard reset */
		outb(0x64, 0xfe);  /* keyboard controller pulse, if 0xCF9 is absent */
	}
	return EXIT_STOP;
}
