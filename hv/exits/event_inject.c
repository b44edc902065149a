/* Exceptions for the guest on the next VM entry (SDM Vol. 3C §27.6), as
 * the handlers raise them (exits.h). */
#include "../vmx/vmx_ops.h"
#include "decode.h"
#include "exits.h"

void inject_exception(struct exit_ctx *ctx, uint8_t vector, bool has_error_code, uint32_t error_code)
{
	vmcs_write(VMCS_VMENTRY_INTERRUPTION_INFO,
		   encode_interruption_info(vector, INTR_TYPE_HARDWARE_EXCEPTION, has_error_code));
	if (has_error_code)
		vmcs_write(VMCS_VMENTRY_EXCEPTION_ERROR_CODE, error_code);
	ctx->event_injected = true;
}

void inject_ud(struct exit_ctx *ctx) { inject_exception(ctx, 6, false, 0); }
void inject_gp0(struct exit_ctx *ctx) { inject_exception(ctx, 13, true, 0); }
