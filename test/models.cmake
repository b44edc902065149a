# The `models` tests (label models and bochs): every Bochs 2.7 CPU model with
# VMX, EPT and unrestricted guest boots the image with the firmware as the
# guest, as bochs_vmx_report does on the default model. Each checks the
# launch, the exits and the statistics, and that the capability lines are
# the model's: CPUID.1:ECX, the secondary controls' allowed-1 bits,
# IA32_VMX_EPT_VPID_CAP, the EPT line and the EPT identity map that follows
# from it (the three older models have no 1 GB EPT pages and no EPT
# accessed/dirty flags: a 4 GB map of 2 MB pages). The values are Bochs 2.7's
# (cpu/cpudb/*.cc), as read by the hypervisor; ~10-15 s each.
#
# model | CPUID.1:ECX | proc2 allowed-1 | EPT_VPID_CAP | 1GB/A/D | VMCS revision
set(HV_BOCHS_MODELS
  "corei5_arrandale_m520|0x0298e3ff|0x000000ff|0x00000f0106114141|no|0x2b"
  "corei7_sandy_bridge_2600k|0x179ae3bf|0x000000ff|0x00000f0106114141|no|0x2b"
  "corei7_ivy_bridge_3770k|0x77bae3bf|0x000008ff|0x00000f0106114141|no|0x2b"
  "corei7_haswell_4770|0x77faf3bf|0x00047fff|0x00000f0106334141|yes|0x2b"
  "broadwell_ult|0x77faf3bf|0x00057fff|0x00000f0106334141|yes|0x2b"
  "corei7_skylake_x|0x77faf3bf|0x02177fff|0x00000f0106334141|yes|0x2b"
  "corei3_cnl|0x77faf3bf|0x02157cff|0x00000f0106334141|yes|0x2b"
  "tigerlake|0x77faf3bf|0x02977fff|0x00000f0106b34141|yes|0x4")
foreach(entry ${HV_BOCHS_MODELS})
  string(REPLACE "|" ";" f "${entry}")
  list(GET f 0 model)
  list(GET f 1 ecx)
  list(GET f 2 proc2)
  list(GET f 3 eptcap)
  list(GET f 4 big)
  list(GET f 5 rev)
  if(big STREQUAL "yes")
    set(map "EPT identity map of [0-9]+ GB with 1 GB pages")
  else()
    set(map "EPT identity map of [0-9]+ GB with 2 MB pages")
  endif()
  add_boot_test(models_${model} models 240 --emulator bochs
    --config ${TEST_CONFIGS}/emulator.cfg --next-boot ${POWEROFF_EFI}
    --runner-arg --model --runner-arg ${model}
    --expect "^hv: hv [0-9.]+ starting"
    --expect "^hv: CPU vendor GenuineIntel, CPUID.1:ECX=${ecx}, VMX=1$"
    --expect "^hv: VMX_BASIC=0x[0-9a-f]{16} revision=${rev} vmcs_size=4096 memtype=WB true_ctls=yes$"
    --expect "^hv: controls: .*proc2=${proc2}[0-9a-f]{8}$"
    --expect "^hv: EPT_VPID_CAP=${eptcap}$"
    --expect "^hv: EPT: yes \\(4-level=yes WB=yes 2MB=yes 1GB=${big} A/D=${big} INVEPT single=yes all=yes\\)$"
    --expect "^hv: VPID: yes \\(INVVPID=yes"
    --expect "^hv: unrestricted guest: yes"
    --expect "^hv: VMX usable: all required features present$"
    --expect "^hv: memory: .*${map}, "
    --expect "^hv: CPU 0: VMXON, VMCS loaded and checked. VMLAUNCH$"
    --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
    --expect "^hv: returning to the firmware: it boots its next boot option"
    --expect "^poweroff: firmware boot continued"
    --expect "^hv: exits begin cpu=0 why=request tsc=[0-9]+$"
    --expect "^hv: \\| IO_INSTRUCTION +[1-9][0-9]* "
    --expect "^hv: \\| CPUID +[1-9][0-9]* +[0-9.]+% "
    --expect "^hv: exits cpu=0 reason=CPUID sub=leaf:0x40000000 count=1 "
    --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=0 cycles=[1-9][0-9]*$"
    --expect "^poweroff: hypervisor present. statistics request returned 0"
    --expect "^hv: guest ends the machine: emulator shutdown"
    --expect "^hv: exits begin cpu=0 why=final tsc=[0-9]+$"
    --expect "^hv: exits cpu=0 reason=VMCALL count=1 "
    --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=0 cycles=[1-9][0-9]*$"
    --reject "VMX unavailable|VMX unusable|config error|EPT violation|EPT misconfiguration|HOST FAULT|guest stopped|VM entry failed|X64 Exception")
  set_tests_properties(models_${model} PROPERTIES LABELS "models;bochs")
endforeach()

# Linux to user space on a model whose EPT has no 1 GB pages and no
# accessed/dirty flags (Ivy Bridge): the stock kernel of linux_userspace, on
# the 2 MB-page identity map, without EPT A/D (label linux).
add_boot_test(linux_old_model linux 480 --emulator bochs
  --runner-arg --model --runner-arg corei7_ivy_bridge_3770k
  --config ${TEST_CONFIGS}/linux-model.cfg
  --add "${LINUX_DIR}/vmlinuz=\\EFI\\linux\\vmlinuz" --add "${LINUX_DIR}/initrd.img=\\EFI\\linux\\initrd.img"
  --expect "^hv: CPU vendor GenuineIntel, CPUID.1:ECX=0x77bae3bf, VMX=1$"
  --expect "^hv: EPT: yes \\(4-level=yes WB=yes 2MB=yes 1GB=no A/D=no "
  --expect "^hv: memory: .*EPT identity map of [0-9]+ GB with 2 MB pages, "
  --expect "^hv: CPU 0 \\(APIC ID 0\\) runs as a guest in VMX non-root mode"
  --expect "^hv: starting guest .EFI.linux.vmlinuz"
  --expect "^LINUX-TSC: [1-9][0-9]* ticks since power-on$"
  --expect "^LINUX-USERSPACE: hello from user space, pid 1"
  --expect "^LINUX-CPUINFO: hypervisor flag set"
  --expect "^LINUX-CPUINFO: vmx hidden"
  --expect "^LINUX-DONE"
  --expect "^hv: guest ends the machine: emulator shutdown"
  --expect "^hv: exits begin cpu=0 why=final tsc=[0-9]+$"
  --expect "^hv: \\| EXTERNAL_INTERRUPT +[1-9][0-9]{2,} +[0-9.]+% "
  --expect "^hv: exits cpu=0 reason=CPUID count=[1-9][0-9][0-9]+ cycles=[1-9]"
  --expect "^hv: exits cpu=0 total=[1-9][0-9][0-9][0-9]+ ept_violations=0 cycles=[1-9][0-9]*$"
  --reject "HOST FAULT|guest stopped|EPT violation|EPT misconfiguration|VM entry failed|X64 Exception|Kernel panic|BUG:|Oops")
set_tests_properties(linux_old_model PROPERTIES FIXTURES_REQUIRED linux_guest)

# The self-test image (tools/selftest.sh, test/selftest.cmake) on Ivy Bridge:
# the guest-side checks, the hostile-memory probe (the arena carved out of
# 2 MB EPT pages rather than 1 GB ones) and the short fuzz on an old model.
add_test(NAME models_selftest_ivy_bridge COMMAND ${PROJECT_SOURCE_DIR}/test/integration/selftest_check.sh
  --name models_selftest_ivy_bridge --build ${PROJECT_BINARY_DIR} --emulator bochs --timeout 400
  --runner-arg --model --runner-arg corei7_ivy_bridge_3770k
  --expect "^hv: EPT: yes \\(4-level=yes WB=yes 2MB=yes 1GB=no A/D=no "
  --expect "^hv: memory: .*EPT identity map of [0-9]+ GB with 2 MB pages, "
  --expect "^selftest: hv.efi returned 0x[0-9a-f]+. hypervisor running$"
  --expect "^selftest: ===== hv self-test summary: paste from this line"
  --expect "^selftest: processor: GenuineIntel family 0x6 model 0x3a stepping 0x9 "
  --expect "^selftest: brand: \"Intel\\(R\\) Core\\(TM\\) i7-3770K CPU @ 3.50GHz\"$"
  --expect "^selftest: VMX controls: pin=0x[0-9a-f]{16} proc=0x[0-9a-f]{16} proc2=0x000008ff00000000 proc3=0x0$"
  --expect "^selftest: VMX EPT_VPID_CAP=0x00000f0106114141$"
  --expect "^selftest: VMX features: EPT=yes \\(4-level=yes WB=yes 2MB=yes 1GB=no A/D=no\\) VPID=yes unrestricted guest=yes "
  --expect "^selftest: vmtest: PASS \\([1-9][0-9]* passed, 0 failed\\)"
  --expect "^selftest: hostile: PASS \\([1-9][0-9]* attacks on [1-9][0-9]* hidden pages: 0 succeeded, 0 wrong faults\\)"
  --expect "^selftest: fuzz: PASS \\(10000 operations, 0 mismatches, seed 0x[0-9a-f]+\\)"
  --expect "^hv: exits cpu=0 total=[1-9][0-9]* ept_violations=[1-9][0-9]* cycles="
  --expect "^selftest: RESULT: PASS \\(3 of 3 checks passed\\)$"
  --expect "^selftest: ===== end of summary =====$"
  --reject "^FAIL|MISMATCH|FATAL|SUCCEEDED|HOST FAULT|guest stopped|VM entry failed|X64 Exception|EPT misconfiguration")
set_tests_properties(models_selftest_ivy_bridge PROPERTIES LABELS "models;bochs" TIMEOUT 460)
