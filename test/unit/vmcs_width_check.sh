#!/usr/bin/env bash
# The VMCS accessors' compile-time width checks (hv/vmx/vmx_ops.h): the
# good case compiles, each bad case fails with its own message.
# usage: vmcs_width_check.sh CC SOURCE_ROOT
set -u
cc=$1 root=$2 src=$root/test/unit/vmcs_width_check.c out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
flags=(-std=gnu11 -O2 -Wall -Wextra -Werror -ffreestanding -I"$root" -I"$root/hv/include" -c -o "$out/o.o")
fail=0
if ! "$cc" "${flags[@]}" -DGOOD "$src" 2>"$out/good.err"; then
	echo "FAIL: the good case does not compile:"; cat "$out/good.err"; fail=1
fi
expect_error() { # CASE MESSAGE
	if "$cc" "${flags[@]}" -D"$1" "$src" 2>"$out/$1.err"; then
		echo "FAIL: $1 compiled"; fail=1
	elif ! grep -q "$2" "$out/$1.err"; then
		echo "FAIL: $1 failed without '$2':"; cat "$out/$1.err"; fail=1
	else
		echo "ok: $1 rejected ($2)"
	fi
}
expect_error WIDE_CONSTANT "constant value wider than the field"
expect_error WRONG_TYPED_READ "VMCS_GUEST_CR0 is not a uint32_t field"
exit $fail
