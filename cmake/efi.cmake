# EFI applications with GNU-EFI (Debian package gnu-efi): compile our C with
# freestanding flags, link against crt0-efi + libefi/libgnuefi as a shared
# ELF, then objcopy to a PE32+ EFI application.
set(GNU_EFI_INCLUDE /usr/include/efi CACHE PATH "GNU-EFI headers")
set(GNU_EFI_LIB /usr/lib CACHE PATH "GNU-EFI crt0, linker script and libraries")
foreach(f crt0-efi-x86_64.o elf_x86_64_efi.lds libefi.a libgnuefi.a)
  if(NOT EXISTS ${GNU_EFI_LIB}/${f})
    message(FATAL_ERROR "GNU-EFI file ${GNU_EFI_LIB}/${f} is missing: apt-get install gnu-efi")
  endif()
endforeach()

# -mgeneral-regs-only: our C never touches SSE/AVX registers, so the exit
# stub need not save the guest's vector state (see hv/vmx/vmx_entry.asm).
set(EFI_CFLAGS -O2 -g0 -fpic -ffreestanding -fno-stack-protector -fno-stack-check
    -fshort-wchar -mno-red-zone -mgeneral-regs-only -maccumulate-outgoing-args
    -fno-strict-aliasing -fno-builtin -Wall -Wextra -Werror -Wno-unused-parameter
    -DEFI_FUNCTION_WRAPPER -DHV_VERSION="${PROJECT_VERSION}")

function(add_efi_app name)
  add_library(${name}_objs OBJECT ${ARGN})
  target_compile_options(${name}_objs PRIVATE $<$<COMPILE_LANGUAGE:C>:${EFI_CFLAGS}>)
  target_include_directories(${name}_objs PRIVATE
    ${GNU_EFI_INCLUDE} ${GNU_EFI_INCLUDE}/x86_64 ${PROJECT_SOURCE_DIR}/hv/include)
  add_custom_command(OUTPUT ${name}.so
    COMMAND ld -nostdlib -znocombreloc -T ${GNU_EFI_LIB}/elf_x86_64_efi.lds -shared -Bsymbolic
            -L${GNU_EFI_LIB} ${GNU_EFI_LIB}/crt0-efi-x86_64.o $<TARGET_OBJECTS:${name}_objs>
            -o ${name}.so -lefi -lgnuefi
    DEPENDS ${name}_objs $<TARGET_OBJECTS:${name}_objs>
    COMMAND_EXPAND_LISTS VERBATIM)
  add_custom_command(OUTPUT ${name}.efi
    COMMAND objcopy -j .text -j .sdata -j .data -j .dynamic -j .dynsym -j .rel -j .rela -j .reloc
            --target=efi-app-x86_64 ${name}.so ${name}.efi
    DEPENDS ${name}.so VERBATIM)
  add_custom_target(${name} ALL DEPENDS ${name}.efi)
endfunction()
