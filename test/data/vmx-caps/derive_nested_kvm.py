#!/usr/bin/env python3
"""Derives the VMX capability MSRs a nested-KVM guest (L1) reads, from the
rules of nested_vmx_setup_ctls_msrs() in Linux's arch/x86/kvm/vmx/nested.c,
applied to the measured capability MSRs of a host processor (a .caps file of
kind "real" in this directory). Writes nested_kvm_<version>_<host>.caps.

Nothing here is measured: each value is the host's measured MSR passed
through the kernel's code as read in the source named in the output file.
What the code takes from elsewhere (KVM module parameters, the guest's CPUID
as QEMU -cpu host sets it) is written into the file as ASSUMED.

Run from this directory:  python3 derive_nested_kvm.py
"""
import re
import sys

BIT = lambda n: 1 << n

# arch/x86/include/asm/vmx.h (all versions read)
PIN_ALWAYSON = 0x00000016
CPU_ALWAYSON = 0x0401E172
EXIT_ALWAYSON = 0x00036DFF
ENTRY_ALWAYSON = 0x000011FF

# pin-based
PIN_EXT_INTR, PIN_NMI, PIN_VNMI, PIN_PREEMPT, PIN_POSTED = BIT(0), BIT(3), BIT(5), BIT(6), BIT(7)
# primary processor-based
(CPU_INTR_WINDOW, CPU_TSC_OFFSET, CPU_HLT, CPU_INVLPG, CPU_MWAIT, CPU_RDPMC, CPU_RDTSC,
 CPU_CR3_LOAD, CPU_CR3_STORE, CPU_CR8_LOAD, CPU_CR8_STORE, CPU_TPR_SHADOW, CPU_NMI_WINDOW,
 CPU_MOV_DR, CPU_UNCOND_IO, CPU_IO_BITMAPS, CPU_MTF, CPU_MSR_BITMAPS, CPU_MONITOR, CPU_PAUSE,
 CPU_SECONDARY) = (BIT(2), BIT(3), BIT(7), BIT(9), BIT(10), BIT(11), BIT(12), BIT(15), BIT(16),
                   BIT(19), BIT(20), BIT(21), BIT(22), BIT(23), BIT(24), BIT(25), BIT(27), BIT(28),
                   BIT(29), BIT(30), BIT(31))
# exit
EXIT_SAVE_DEBUG, EXIT_HOST_ADDR64, EXIT_LOAD_PERF, EXIT_ACK_INTR = BIT(2), BIT(9), BIT(12), BIT(15)
EXIT_SAVE_PAT, EXIT_LOAD_PAT, EXIT_SAVE_EFER, EXIT_LOAD_EFER = BIT(18), BIT(19), BIT(20), BIT(21)
EXIT_SAVE_PREEMPT, EXIT_CLEAR_BNDCFGS = BIT(22), BIT(23)
# entry
ENTRY_LOAD_DEBUG, ENTRY_IA32E, ENTRY_LOAD_PERF, ENTRY_LOAD_PAT, ENTRY_LOAD_EFER, ENTRY_LOAD_BNDCFGS = (
    BIT(2), BIT(9), BIT(13), BIT(14), BIT(15), BIT(16))
# secondary
(SEC_VAPIC, SEC_EPT, SEC_DESC, SEC_RDTSCP, SEC_X2APIC, SEC_VPID, SEC_WBINVD, SEC_UG, SEC_APIC_REG,
 SEC_VID, SEC_RDRAND, SEC_INVPCID, SEC_VMFUNC, SEC_SHADOW_VMCS, SEC_ENCLS, SEC_RDSEED, SEC_PML,
 SEC_XSAVES, SEC_TSC_SCALING, SEC_USR_WAIT) = (
    BIT(0), BIT(1), BIT(2), BIT(3), BIT(4), BIT(5), BIT(6), BIT(7), BIT(8), BIT(9), BIT(11),
    BIT(12), BIT(13), BIT(14), BIT(15), BIT(16), BIT(17), BIT(20), BIT(25), BIT(26))
# EPT/VPID capabilities (low and high halves of IA32_VMX_EPT_VPID_CAP)
EPT_XONLY, EPT_WALK4, EPT_WALK5, EPT_WB, EPT_2M, EPT_1G, EPT_INVEPT, EPT_AD = (
    BIT(0), BIT(6), BIT(7), BIT(14), BIT(16), BIT(17), BIT(20), BIT(21))
EPT_EXTENT_CONTEXT, EPT_EXTENT_GLOBAL = BIT(25), BIT(26)
VPID_CAPS = BIT(0) | BIT(8) | BIT(9) | BIT(10) | BIT(11)  # INVVPID | VMX_VPID_EXTENT_SUPPORTED_MASK
# misc
MISC_LMA, MISC_HLT, MISC_WAIT_SIPI, MISC_SHADOW_RO = BIT(5), BIT(6), BIT(8), BIT(29)
MISC_EMULATED_TIMER_RATE = 5
# basic
VMCS12_REVISION, VMCS12_SIZE = 0x11E57ED0, 0x1000
BASIC_INOUT, BASIC_TRUE = BIT(54), BIT(55)


def load(path):
    vals, cpuid = {}, {}
    for line in open(path):
        line = line.split('#', 1)[0].strip()
        if '=' in line:
            k, v = (s.strip() for s in line.split('=', 1))
            vals[k] = int(v, 0)
    return vals


def lo(v):
    return v & 0xFFFFFFFF


def hi(v):
    return v >> 32


def ctl(low, high):
    return low | (high << 32)


def uses_vmcs_config(version):
    """6.1 and later start from vmcs_config; 5.10 and 5.15 rdmsr() the host MSRs."""
    return version not in ('5.10', '5.15')


# Each version: which rules differ. Read from the source named in SOURCES.
def derive(host, version, hp):
    APICV, EPT_AD_BITS, GUEST = hp['apicv'], hp['eptad'], hp['guest']
    h = host
    post_6_0 = uses_vmcs_config(version)  # vmcs_config-based setup (6.1 on), split helpers (6.6 on)
    # 5.15 reads the host MSRs with rdmsr as 5.10 does (PERF_GLOBAL_CTRL entry/exit
    # controls only where the host has them), but already lists TSC scaling and
    # user wait/pause and offers wait-for-SIPI.
    sec_tsc_uwait = version != '5.10'
    # 5.10, 5.15 and 6.1 add VMFUNC through cpu_has_vmx_vmfunc(); 6.6 and later
    # take it from vmcs_config with the other listed secondary controls. Both
    # read the host's allowed-1 bit, so the value is the same.
    vmfunc_in_list = version not in ('5.10', '5.15', '6.1')
    n = {}
    # pin-based (same in every version read)
    pin_low = PIN_ALWAYSON
    pin_high = hi(h['pinbased']) & (PIN_EXT_INTR | PIN_NMI | PIN_VNMI | (PIN_POSTED if APICV else 0))
    pin_high |= PIN_ALWAYSON | PIN_PREEMPT
    # exit
    exit_low = EXIT_ALWAYSON & ~EXIT_SAVE_DEBUG
    if post_6_0:
        exit_high = hi(h['exit']) & (EXIT_HOST_ADDR64 | EXIT_LOAD_PAT | EXIT_SAVE_PAT | EXIT_CLEAR_BNDCFGS)
        exit_high |= EXIT_ALWAYSON | EXIT_LOAD_EFER | EXIT_SAVE_EFER | EXIT_SAVE_PREEMPT | EXIT_ACK_INTR | EXIT_LOAD_PERF
    else:
        exit_high = hi(h['exit']) & (EXIT_HOST_ADDR64 | EXIT_LOAD_PAT | EXIT_SAVE_PAT | EXIT_CLEAR_BNDCFGS | EXIT_LOAD_PERF)
        exit_high |= EXIT_ALWAYSON | EXIT_LOAD_EFER | EXIT_SAVE_EFER | EXIT_SAVE_PREEMPT | EXIT_ACK_INTR
    # entry
    entry_low = ENTRY_ALWAYSON & ~ENTRY_LOAD_DEBUG
    if post_6_0:
        entry_high = hi(h['entry']) & (ENTRY_IA32E | ENTRY_LOAD_PAT | ENTRY_LOAD_BNDCFGS)
        entry_high |= ENTRY_ALWAYSON | ENTRY_LOAD_EFER | ENTRY_LOAD_PERF
    else:
        entry_high = hi(h['entry']) & (ENTRY_IA32E | ENTRY_LOAD_PAT | ENTRY_LOAD_BNDCFGS | ENTRY_LOAD_PERF)
        entry_high |= ENTRY_ALWAYSON | ENTRY_LOAD_EFER
    # primary (same list in every version read)
    cpu_low = CPU_ALWAYSON & ~(CPU_CR3_LOAD | CPU_CR3_STORE)
    cpu_high = hi(h['procbased']) & (
        CPU_INTR_WINDOW | CPU_NMI_WINDOW | CPU_TSC_OFFSET | CPU_HLT | CPU_INVLPG | CPU_MWAIT |
        CPU_CR3_LOAD | CPU_CR3_STORE | CPU_CR8_LOAD | CPU_CR8_STORE | CPU_MOV_DR | CPU_UNCOND_IO |
        CPU_IO_BITMAPS | CPU_MTF | CPU_MONITOR | CPU_RDPMC | CPU_RDTSC | CPU_PAUSE | CPU_TPR_SHADOW |
        CPU_SECONDARY)
    cpu_high |= CPU_ALWAYSON | CPU_MSR_BITMAPS
    # secondary
    host2 = hi(h['procbased2'])
    sec_list = (SEC_DESC | SEC_RDTSCP | SEC_X2APIC | SEC_WBINVD | SEC_APIC_REG | SEC_VID | SEC_RDRAND |
                SEC_INVPCID | SEC_RDSEED | SEC_XSAVES)
    if sec_tsc_uwait:
        sec_list |= SEC_TSC_SCALING | SEC_USR_WAIT
    if vmfunc_in_list:
        sec_list |= SEC_VMFUNC
    sec = host2 & sec_list
    sec |= SEC_SHADOW_VMCS | SEC_EPT
    hept = lo(h['ept_vpid_cap'])
    ept = (EPT_WALK4 | EPT_WALK5 | EPT_WB | EPT_INVEPT | EPT_XONLY) & hept
    ept |= EPT_EXTENT_GLOBAL | EPT_EXTENT_CONTEXT | EPT_2M | EPT_1G
    if EPT_AD_BITS:
        sec |= SEC_PML
        ept |= EPT_AD
    vmfunc = 0
    if host2 & SEC_VMFUNC:           # cpu_has_vmx_vmfunc()
        if not vmfunc_in_list:
            sec |= SEC_VMFUNC
        vmfunc = 1                   # VMX_VMFUNC_EPTP_SWITCHING (enable_ept)
    sec |= SEC_VPID | SEC_UG | SEC_VAPIC
    # vmx_vcpu_after_set_cpuid(): controls of instructions the guest's CPUID
    # does not have are removed, those it has are added (vmx.c,
    # vmx_adjust_sec_exec_control(); every version read).
    for bit, have in ((SEC_RDTSCP, GUEST['rdtscp'] or GUEST['rdpid']),
                      (SEC_INVPCID, GUEST['invpcid']), (SEC_XSAVES, GUEST['xsaves']),
                      (SEC_USR_WAIT, GUEST['waitpkg'])):
        if have and (host2 & bit):
            sec |= bit
        else:
            sec &= ~bit
    misc = (lo(h['misc']) & MISC_LMA) | MISC_SHADOW_RO | MISC_EMULATED_TIMER_RATE | MISC_HLT
    if version != '5.10':
        misc |= MISC_WAIT_SIPI
    basic = VMCS12_REVISION | BASIC_TRUE | (VMCS12_SIZE << 32) | (6 << 50)
    if h['basic'] & BASIC_INOUT:     # cpu_has_vmx_basic_inout()
        basic |= BASIC_INOUT
    n['basic'] = basic
    n['pinbased'] = ctl(pin_low | PIN_ALWAYSON, pin_high)
    n['procbased'] = ctl(cpu_low | CPU_ALWAYSON, cpu_high)
    n['exit'] = ctl(exit_low | EXIT_ALWAYSON, exit_high)
    n['entry'] = ctl(entry_low | ENTRY_ALWAYSON, entry_high)
    n['true_pinbased'] = ctl(pin_low, pin_high)
    n['true_procbased'] = ctl(cpu_low, cpu_high)
    n['true_exit'] = ctl(exit_low, exit_high)
    n['true_entry'] = ctl(entry_low, entry_high)
    n['misc'] = misc
    n['cr0_fixed0'] = 0x80000021      # VMXON_CR0_ALWAYSON
    n['cr0_fixed1'] = 0xFFFFFFFF      # nested_vmx_cr_fixed1_bits_update()
    n['cr4_fixed0'] = 0x2000          # VMXON_CR4_ALWAYSON
    n['cr4_fixed1'] = hp['cr4']
    n['procbased2'] = ctl(0, sec)
    n['ept_vpid_cap'] = ept | (VPID_CAPS << 32)
    n['vmfunc'] = vmfunc
    return n


# ---- the assumptions, written into every output file ----
# nested_vmx_cr_fixed1_bits_update(): CR4.PCE always; each other bit when the
# guest's CPUID has its feature: VME/PVI TSD DE PSE PAE MCE PGE OSFXSR
# OSXMMEXCPT (CPUID.1:EDX), VMXE PCIDE OSXSAVE (CPUID.1:ECX), FSGSBASE SMEP
# SMAP (CPUID.7:EBX), UMIP (KVM emulates it: descriptor-table exiting).
# No SMX (KVM never exposes it), no PKU/LA57 (neither host has them).
HOSTS = {
    'skylake': dict(
        file='vbox_Intel_Core_i7_6700K.caps', cpu='Intel Core i7-6700K (Skylake)',
        apicv=False,   # enable_apicv needs posted interrupts; the host's pinbased allows no bit 7
        eptad=True,    # enable_ept_ad_bits: on by default when the host's EPT has A/D (bit 21)
        # The guest's CPUID as "qemu -cpu host" gives it on this host (KVM_GET_SUPPORTED_CPUID).
        guest=dict(rdtscp=1, invpcid=1, xsaves=1, waitpkg=0, rdpid=0, pcid=1, gb=1),
        guest_text='RDTSCP, INVPCID+PCID, XSAVES, 1 GB pages yes; RDPID, WAITPKG, PCONFIG, PT no',
        cr4=0x7FF | BIT(11) | BIT(13) | BIT(16) | BIT(17) | BIT(18) | BIT(20) | BIT(21),
        cr4_text='FSGSBASE, SMEP, SMAP',
        extra='# ASSUMED: MPX in the guest\'s CPUID, so the BNDCFGS entry/exit controls (entry bit 16, exit\n'
              '#          bit 23) stay; without it vmx.c nested_vmx_entry_exit_ctls_update() clears them.\n'),
    'ivybridge': dict(
        file='vbox_Intel_Core_i5_3570.caps', cpu='Intel Core i5-3570 (Ivy Bridge)',
        apicv=False,
        eptad=False,   # the host's EPT has no A/D (EPT_VPID_CAP bit 21 clear): eptad is forced off
        guest=dict(rdtscp=1, invpcid=0, xsaves=0, waitpkg=0, rdpid=0, pcid=1, gb=0),
        guest_text='RDTSCP, PCID yes; INVPCID, XSAVES, 1 GB pages, RDPID, WAITPKG, PCONFIG, PT no',
        cr4=0x7FF | BIT(11) | BIT(13) | BIT(16) | BIT(17) | BIT(18) | BIT(20),
        cr4_text='FSGSBASE, SMEP; no SMAP',
        extra=''),
}
RUNS = [('5.10', 'skylake'), ('5.15', 'skylake'), ('6.1', 'skylake'), ('6.6', 'skylake'),
        ('mainline', 'skylake'),
        ('5.10', 'ivybridge'), ('5.15', 'ivybridge'), ('6.1', 'ivybridge'), ('mainline', 'ivybridge')]

SOURCES = {
    '5.10': ('Linux 5.10.13', 'github.com/Rtoax/linux-5.10.13 @ d3bb9a3a11075ca6e22d132740e06befc1bc0dc3, '
             'arch/x86/kvm/vmx/nested.c, nested_vmx_setup_ctls_msrs()'),
    '5.15': ('Linux 5.15.185 (Android kernel tree)', 'github.com/MotorolaMobilityLLC/kernel-msm @ '
             '258d45ad86b0a094b9a7f12974d4767774eafe03 (Makefile there: VERSION 5, PATCHLEVEL 15, SUBLEVEL 185), '
             'arch/x86/kvm/vmx/nested.c, nested_vmx_setup_ctls_msrs() (rdmsr() of the host MSRs, as 5.10)'),
    '6.1': ('Linux 6.1.134 (Android kernel tree)', 'github.com/MotorolaMobilityLLC/kernel-msm @ '
            'b5c77f3827aa351b7d13980b234ec929b34f958b (Makefile there: VERSION 6, PATCHLEVEL 1, SUBLEVEL 134), '
            'arch/x86/kvm/vmx/nested.c, nested_vmx_setup_ctls_msrs() (one function from vmcs_config; '
            'no nested_vmx_setup_*() helpers in 6.1)'),
    '6.6': ('Linux 6.6.75 (WSL2 kernel 6.6.75.1)', 'github.com/microsoft/WSL2-Linux-Kernel @ '
            'be328357046d291498dab2574b690b4eb5b6ea8c (Makefile there: 6.6.75.1), arch/x86/kvm/vmx/nested.c, '
            'nested_vmx_setup_ctls_msrs() and its nested_vmx_setup_*() helpers (same text in '
            'deepin-community/kernel @ 10c24713, a 6.6.y tree)'),
    'mainline': ('Linux mainline (6.12 or later: nested_vmx_setup_basic() uses vmx_basic_encode_vmcs_info())',
                 'github.com/gregkh/linux @ 0e729a53689257803ec0c3d633b26f6a5e57d22b, '
                 'arch/x86/kvm/vmx/nested.c, nested_vmx_setup_ctls_msrs() and its helpers'),
}

# Per-version lines for the header (what the source is and how it differs).
EXTRA = {
    '5.15': '# ASSUMED: the vendor (Android) tree\'s nested_vmx_setup_ctls_msrs() is upstream 5.15.185\'s; it\n'
            '#          was read there only (no upstream 5.15.y copy with a verifiable Makefile was found).\n'
            '# note: 5.15 reads the host MSRs with rdmsr() as 5.10 does (the PERF_GLOBAL_CTRL entry/exit\n'
            '#       controls only where the host has them, VMFUNC from cpu_has_vmx_vmfunc()), but lists TSC\n'
            '#       scaling and user wait/pause and offers wait-for-SIPI. For this host every MSR equals\n'
            '#       what the 6.1 rules give and differs from 5.10\'s only in MISC bit 8 (wait-for-SIPI).\n',
    '6.1': '# ASSUMED: the vendor (Android) tree\'s nested_vmx_setup_ctls_msrs() is upstream 6.1.134\'s; it\n'
           '#          was read there only (no upstream 6.1.y copy with a verifiable Makefile was found).\n'
           '# note: 6.1 takes the host\'s allowed-1 bits from vmcs_config like 6.6, with the same lists\n'
           '#       (TSC scaling and user wait/pause listed, PERF_GLOBAL_CTRL entry/exit emulated, wait-for-SIPI),\n'
           '#       in one function; VMFUNC comes from cpu_has_vmx_vmfunc() (6.6: from the list). For this\n'
           '#       host every MSR equals what the 6.6 and mainline rules give and differs from 5.10\'s only in MISC\n'
           '#       bit 8 (wait-for-SIPI), as the host offers neither TSC scaling nor user wait/pause.\n',
}

ORDER = ['basic', 'pinbased', 'procbased', 'exit', 'entry', 'true_pinbased', 'true_procbased',
         'true_exit', 'true_entry', 'misc', 'cr0_fixed0', 'cr0_fixed1', 'cr4_fixed0', 'cr4_fixed1',
         'procbased2', 'ept_vpid_cap', 'vmfunc']


def main():
    for version, hname in RUNS:
        hp = HOSTS[hname]
        HOST, GUEST = hp['file'], hp['guest']
        host = load(HOST)
        kernel, source = SOURCES[version]
        n = derive(host, version, hp)
        name = f'nested_kvm_{version.replace(".", "_")}_{hname}.caps'
        with open(name, 'w') as f:
            f.write(f'# name: nested KVM guest (L1) on {kernel}, host {hp["cpu"]}\n')
            f.write('# kind: nested-kvm (derived)\n')
            f.write(f'# source: {source}\n')
            f.write(f'#         applied to the measured host MSRs of {HOST} by derive_nested_kvm.py\n')
            f.write('# derived: every MSR value below is computed, not measured. Legacy control MSRs =\n')
            f.write('#          TRUE value | the ALWAYSON_WITHOUT_TRUE bits (vmx_get_vmx_msr()).\n')
            f.write('# ASSUMED: kvm_intel defaults (ept=1, vpid=1, unrestricted_guest=1, flexpriority=1,\n')
            f.write('#          enable_apicv=0 since the host has no posted interrupts, eptad=%d, no SGX launch\n'
                    % hp['eptad'])
            f.write('#          control so enable_sgx=0); guest CPUID = "qemu -cpu host" on that host:\n')
            f.write(f'#          {hp["guest_text"]};\n')
            f.write('#          cr4_fixed1 from that CPUID (nested_vmx_cr_fixed1_bits_update(): '
                    f'{hp["cr4_text"]}), UMIP emulated.\n')
            f.write('# ASSUMED: the CPUID-gated secondary controls (RDTSCP, INVPCID, XSAVES, user wait/pause)\n')
            f.write('#          follow that CPUID (vmx.c, vmx_adjust_secondary_exec_control(); vmx.c not re-read\n')
            f.write('#          per version)')
            if uses_vmcs_config(version):
                f.write('; vmcs_config holds the host allowed-1 bit of every control\n')
                f.write('#          the nested lists name (true for the controls KVM opts into on this host)')
            f.write('.\n')
            f.write(hp['extra'])
            f.write(EXTRA.get(version, ''))
            f.write('# ASSUMED: the guest has an architectural PMU of version 2 or later (QEMU -cpu host), so the\n'
                    '#          "load IA32_PERF_GLOBAL_CTRL" entry/exit controls stay (KVM clears them otherwise).\n')
            if version == '5.10':
                f.write('# note: 5.10 offers activity state HLT only (MISC bit 8, wait-for-SIPI, is clear);\n')
                f.write('#       later kernels add wait-for-SIPI. 1 GB EPT pages are offered whatever the host.\n')
            else:
                f.write('# note: MISC offers HLT and wait-for-SIPI, not shutdown; 1 GB EPT pages are offered\n')
                f.write('#       whatever the host; EPT UC (bit 8) is never offered.\n')
            if not hp['eptad']:
                f.write('# note: no EPT A/D and no PML: the host has none.\n')
            for k in ORDER:
                f.write(f'{k} = {n[k]:#x}\n')
            f.write(f'maxphyaddr = {host["maxphyaddr"]}  # the host\'s (QEMU -cpu host passes it through)\n')
            f.write(f'cpuid_rdtscp = {GUEST["rdtscp"]}\ncpuid_invpcid = {GUEST["invpcid"]}\n')
            f.write(f'cpuid_xsaves = {GUEST["xsaves"]}\ncpuid_waitpkg = {GUEST["waitpkg"]}\n')
            f.write(f'cpuid_1gb_pages = {GUEST["gb"]}\n')
            f.write(f'cpuid_rdpid = {GUEST["rdpid"]}\ncpuid_pconfig = 0\n')
            f.write('cpuid_pt = 0  # ASSUMED: kvm_intel pt_mode=0 (system), the default: PT not exposed\n')
        print('wrote', name)


if __name__ == '__main__':
    sys.exit(main())
