/* String I/O emulation (string_io.h). */
#include "string_io.h"

#define VECTOR_SS 12
#define VECTOR_GP 13
#define VECTOR_PF 14

static unsigned address_size_from_field(unsigned field) { return field == 0 ? 2 : field == 1 ? 4 : 8; }

struct string_io string_io_decode(uint64_t qualification, uint32_t instruction_info)
{
	struct io_fields {
		unsigned size;
		bool in, rep;
	} q = { (unsigned)(qualification & 7) + 1, (qualification >> 3) & 1, (qualification >> 5) & 1 };
	/* Table 28-8: bits 9:7 address size, bits 17:15 segment register
	 * ("undefined for INS": INS always writes ES:[RDI]). */
	return (struct string_io){
		.size = q.size,
		.in = q.in,
		.rep = q.rep,
		.port = (uint16_t)(qualification >> 16),
		.address_size = address_size_from_field((instruction_info >> 7) & 7),
		.segment = q.in ? SEG_ES : (instruction_info >> 15) & 7,
	};
}

static int segment_override(uint8_t b)
{
	switch (b) {
	case 0x26: return SEG_ES;
	case 0x2e: return SEG_CS;
	case 0x36: return SEG_SS;
	case 0x3e: return SEG_DS;
	case 0x64: return SEG_FS;
	case 0x65: return SEG_GS;
	}
	return -1;
}

bool string_io_decode_prefixes(uint64_t qualification, const uint8_t *code, size_t n,
			       unsigned default_address_size, struct string_io *out)
{
	*out = string_io_decode(qualification, 0);
	unsigned asize = default_address_size;
	int seg = SEG_DS;
	size_t i = 0;
	for (; i < n && i < 15; i++) {
		uint8_t b = code[i];
		if (segment_override(b) >= 0)
			seg = segment_override(b);
		else if (b == 0x67) /* address-size override: 64 -> 32, 32 <-> 16 */
			asize = default_address_size == 8 ? 4 : default_address_size == 4 ? 2 : 4;
		else if (!(b == 0x66 || b == 0xf2 || b == 0xf3 || b == 0xf0 ||
			   (default_address_size == 8 && (b & 0xf0) == 0x40)))
			break;
	}
	if (i >= n || code[i] < 0x6c || code[i] > 0x6f || ((code[i] & 2) == 0) != out->in)
		return false;
	out->address_size = asize;
	out->segment = out->in ? SEG_ES : (unsigned)seg;
	return true;
}

static uint64_t address_mask(unsigned asize)
{
	return asize == 2 ? 0xffffull : asize == 4 ? 0xffffffffull : ~0ull;
}

/* Writing SI/ESI/RSI (or CX, DI) as the address size says: a 16-bit
 * register keeps the upper bits, a 32-bit one zero-extends (SDM Vol. 1
 * §3.4.1.1). */
static uint64_t register_update(uint64_t reg, uint64_t value, unsigned asize)
{
	if (asize == 2)
		return (reg & ~0xffffull) | (value & 0xffff);
	return value & address_mask(asize);
}

static bool canonical(uint64_t a) { return (uint64_t)((int64_t)(a << 16) >> 16) == a; }

static enum string_io_result set_fault(struct string_io_fault *f, uint8_t vector, uint32_t error, uint64_t cr2)
{
	*f = (struct string_io_fault){ .vector = vector, .error_code = error, .cr2 = cr2 };
	return STRING_IO_FAULT;
}

/* Segment-level checks on the element at offset `off` (SDM Vol. 3A §5.3;
 * in 64-bit mode only the canonical check, §3.3.7.1): #SS for SS, else
 * #GP(0). */
static bool segment_ok(const struct string_io *op, const struct string_io_cpu *cpu, uint64_t off, uint64_t *linear)
{
	if (cpu->mode64) {
		*linear = cpu->segment_base + off;
		return canonical(*linear) && canonical(*linear + op->size - 1);
	}
	*linear = (uint32_t)(cpu->segment_base + off);
	return off + op->size - 1 <= cpu->segment_limit;
}

/* One page of the element: the guest's walk and its access rights (SDM
 * Vol. 3A §4.6, §4.7 for the error code), then our own memory, which an
 * EPT violation would have refused: #GP, as ept_violation.c gives. */
static enum string_io_result page_check(const struct string_io *op, const struct string_io_cpu *cpu,
					const struct string_io_env *env, uint64_t linear, unsigned len,
					struct guest_walk *w, struct string_io_fault *fault)
{
	bool user = cpu->cpl == 3, write = op->in;
	uint32_t error = (write ? PF_ERROR_WRITE : 0) | (user ? PF_ERROR_USER : 0);
	*w = env->walk(env->ctx, linear);
	if (!w->supported)
		return STRING_IO_UNSUPPORTED;
	if (!w->present)
		return set_fault(fault, VECTOR_PF, error, linear);
	bool denied = (user && !w->user) || (write && !w->writable && (user || cpu->wp)) ||
		      (!user && w->user && cpu->smap_blocks);
	if (denied)
		return set_fault(fault, VECTOR_PF, error | PF_ERROR_PRESENT, linear);
	if (env->hidden(env->ctx, w->gpa, len))
		return set_fault(fault, VECTOR_GP, 0, 0);
	return STRING_IO_DONE;
}

/* The last page an element used: the next elements of a REP mostly
 * land in it again, and its walk, rights and accessed/dirty flags are
 * already settled (one walk per page, not per element). */
struct page_cache {
	bool valid;
	uint64_t linear_page;
	struct guest_walk walk; /* gpa of the page's first byte */
};

/* Translates the element (one or two pages) into w[]/len[]; *fresh says
 * which of them were walked now (their A/D flags still to set). */
static enum string_io_result element_check(const struct string_io *op, const struct string_io_cpu *cpu,
					   const struct string_io_env *env, uint64_t linear, struct page_cache *cache,
					   struct guest_walk w[2], unsigned len[2], bool fresh[2],
					   struct string_io_fault *fault)
{
	unsigned first = 4096 - (unsigned)(linear & 4095);
	len[0] = first < op->size ? first : op->size;
	len[1] = op->size - len[0];
	for (unsigned p = 0; p < 2 && len[p]; p++) {
		uint64_t at = linear + (p ? len[0] : 0);
		fresh[p] = !(cache->valid && cache->linear_page == (at & ~4095ull));
		if (!fresh[p]) {
			w[p] = cache->walk;
			w[p].gpa += at & 4095;
			continue;
		}
		enum string_io_result r = page_check(op, cpu, env, at, len[p], &w[p], fault);
		if (r != STRING_IO_DONE)
			return r;
	}
	return STRING_IO_DONE;
}

static void element_transfer(const struct string_io *op, const struct string_io_env *env,
			     const struct guest_walk w[2], const unsigned len[2], const bool fresh[2])
{
	uint8_t bytes[4] = { 0 };
	if (op->in) {
		uint32_t v = env->port_in(env->ctx, op->port, op->size);
		for (unsigned i = 0; i < op->size; i++)
			bytes[i] = (uint8_t)(v >> (8 * i));
	}
	for (unsigned p = 0; p < 2 && len[p]; p++) {
		uint8_t *part = bytes + (p ? len[0] : 0);
		if (op->in)
			env->mem_write(env->ctx, w[p].gpa, part, len[p]);
		else
			env->mem_read(env->ctx, w[p].gpa, part, len[p]);
		if (fresh[p])
			env->mark_accessed(env->ctx, &w[p], op->in);
	}
	if (!op->in)
		env->port_out(env->ctx, op->port, op->size,
			      bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24);
}

static void cache_last_page(struct page_cache *cache, uint64_t linear, const struct guest_walk w[2],
			    const unsigned len[2])
{
	unsigned last = len[1] ? 1 : 0;
	uint64_t at = linear + (last ? len[0] : 0);
	cache->valid = true;
	cache->linear_page = at & ~4095ull;
	cache->walk = w[last];
	cache->walk.gpa -= at & 4095;
}

enum string_io_result string_io_run(const struct string_io *op, struct string_io_cpu *cpu,
				    const struct string_io_env *env, unsigned max_elements,
				    struct string_io_fault *fault)
{
	uint64_t mask = address_mask(op->address_size);
	uint64_t *index = op->in ? &cpu->rdi : &cpu->rsi;
	uint64_t count = op->rep ? cpu->rcx & mask : 1;
	struct page_cache cache = { .valid = false };
	for (unsigned done = 0; count; done++) {
		if (done == max_elements)
			return STRING_IO_MORE;
		uint64_t off = *index & mask, linear;
		if (!segment_ok(op, cpu, off, &linear))
			return set_fault(fault, op->segment == SEG_SS ? VECTOR_SS : VECTOR_GP, 0, 0);
		struct guest_walk w[2];
		unsigned len[2];
		bool fresh[2] = { false, false };
		enum string_io_result r = element_check(op, cpu, env, linear, &cache, w, len, fresh, fault);
		if (r != STRING_IO_DONE)
			return r;
		element_transfer(op, env, w, len, fresh);
		cache_last_page(&cache, linear, w, len);
		/* The element is done: the registers say so before the next
		 * one can fault (SDM Vol. 2B "REP": a fault leaves RCX and
		 * RSI/RDI at the element that faulted). */
		*index = register_update(*index, cpu->df ? off - op->size : off + op->size, op->address_size);
		count--;
		if (op->rep)
			cpu->rcx = register_update(cpu->rcx, count, op->address_size);
	}
	return STRING_IO_DONE;
}
