#!/usr/bin/env python3
"""Derives the VMX capability MSRs a guest of QEMU/KVM sees with a named CPU
model ("-cpu SapphireRapids,+vmx" and so on): QEMU writes the model's VMX
feature words into the TRUE_* control MSRs, PROCBASED_CTLS2, EPT_VPID_CAP,
BASIC, MISC and VMFUNC of the vCPU (target/i386/kvm.c, make_vmx_msr_value()
and kvm_msr_entry_add_vmx(), added by "target/i386: add VMX features",
qemu-devel pull request of 2019-10-03), and KVM answers the legacy control
MSRs as TRUE | ALWAYSON_WITHOUT_TRUE (vmx_get_vmx_msr()) and computes
CR4_FIXED1 from the guest's CPUID (nested_vmx_cr_fixed1_bits_update()).

The feature words are those of target/i386/cpu.c in qemu/qemu @
0048035a870312f2fd0f3dd28115398d26e419bb (each model's version 1).

Nothing here is measured. Writes qemu_<model>_kvm.caps.
Run from this directory:  python3 derive_qemu_models.py
"""
BIT = lambda n: 1 << n

# QEMU's default1 classes (make_vmx_msr_value()).
DEFAULT1 = dict(pin=0x16, proc=0x0401E172, entry=0x11FF, exit=0x36DFF, proc2=0)
ALWAYSON = dict(pin=0x16, proc=0x0401E172, entry=0x11FF, exit=0x36DFF)


def make_vmx_msr_value(kind, features):
    d = DEFAULT1[kind]
    can_be_one = (features | d) & 0xFFFFFFFF
    can_be_zero = (features | ~d) & 0xFFFFFFFF
    must_be_one = ~can_be_zero & 0xFFFFFFFF
    return must_be_one | (can_be_one << 32)


# VMX feature bits as QEMU names them (target/i386/cpu.h).
PIN = dict(EXT_INTR=0, NMI=3, VNMI=5, PREEMPT=6, POSTED=7)
PROC = dict(INTR_PENDING=2, TSC_OFFSET=3, HLT=7, INVLPG=9, MWAIT=10, RDPMC=11, RDTSC=12, CR3_LOAD=15,
            CR3_STORE=16, CR8_LOAD=19, CR8_STORE=20, TPR_SHADOW=21, NMI_PENDING=22, MOV_DR=23,
            UNCOND_IO=24, IO_BITMAPS=25, MTF=27, MSR_BITMAPS=28, MONITOR=29, PAUSE=30, SECONDARY=31)
SEC = dict(VAPIC=0, EPT=1, DESC=2, RDTSCP=3, X2APIC=4, VPID=5, WBINVD=6, UG=7, APIC_REG=8, VID=9,
           RDRAND=11, INVPCID=12, VMFUNC=13, SHADOW=14, RDSEED=16, PML=17, XSAVES=20)
EXIT = dict(SAVE_DEBUG=2, HOST_ADDR64=9, LOAD_PERF=12, ACK_INTR=15, SAVE_PAT=18, LOAD_PAT=19,
            SAVE_EFER=20, LOAD_EFER=21, SAVE_PREEMPT=22)
ENTRY = dict(LOAD_DEBUG=2, IA32E=9, LOAD_PERF=13, LOAD_PAT=14, LOAD_EFER=15)
EPT = dict(XONLY=0, PWL4=6, PWL5=7, WB=14, M2=16, G1=17, INVEPT=20, AD=21, INVEPT_SINGLE=25,
           INVEPT_ALL=26, INVVPID=32, INVVPID_ADDR=40, INVVPID_SINGLE=41, INVVPID_ALL=42,
           INVVPID_NOGLOBALS=43)
MISC = dict(LMA=5, HLT=6, VMWRITE_ANY=29)


def bits(table, names):
    v = 0
    for n in names.split():
        v |= BIT(table[n])
    return v


# The VMX words every model below shares (identical in cpu.c for these four).
PROC_COMMON = ('INTR_PENDING TSC_OFFSET HLT INVLPG MWAIT RDPMC RDTSC CR3_LOAD CR3_STORE CR8_LOAD '
               'CR8_STORE TPR_SHADOW NMI_PENDING MOV_DR UNCOND_IO IO_BITMAPS MTF MSR_BITMAPS MONITOR '
               'PAUSE SECONDARY')
EXIT_COMMON = 'SAVE_DEBUG LOAD_PERF ACK_INTR SAVE_PAT LOAD_PAT SAVE_EFER LOAD_EFER SAVE_PREEMPT'
ENTRY_COMMON = 'LOAD_DEBUG IA32E LOAD_PERF LOAD_PAT LOAD_EFER'
PIN_COMMON = 'EXT_INTR NMI VNMI PREEMPT POSTED'
INVVPID = 'INVVPID INVVPID_ADDR INVVPID_SINGLE INVVPID_ALL INVVPID_NOGLOBALS'

# CR4 bits from CPUID (nested_vmx_cr_fixed1_bits_update()): 0x7ff = VME PVI TSD DE PSE PAE MCE PGE
# PCE OSFXSR OSXMMEXCPT (every model has their CPUID.1:EDX bits), VMXE (+vmx), then per model.
CR4 = dict(UMIP=11, LA57=12, VMXE=13, FSGSBASE=16, PCIDE=17, OSXSAVE=18, SMEP=20, SMAP=21, PKE=22)

MODELS = {
    'SapphireRapids': dict(
        what='Intel Xeon (Sapphire Rapids) model, family 6 model 143',
        sec='VAPIC EPT DESC RDTSCP X2APIC VPID WBINVD UG APIC_REG VID RDRAND INVPCID VMFUNC SHADOW '
            'RDSEED PML XSAVES',
        ept='XONLY PWL4 PWL5 WB M2 G1 INVEPT AD INVEPT_SINGLE INVEPT_ALL ' + INVVPID,
        vmfunc=1,
        cr4='UMIP LA57 VMXE FSGSBASE PCIDE OSXSAVE SMEP SMAP PKE',
        cpuid=dict(rdtscp=1, invpcid=1, xsaves=1, waitpkg=0, gb=1, rdpid=1, pconfig=0, pt=0),
        cpuid_text='RDTSCP, INVPCID, XSAVES, 1 GB pages, RDPID, LA57, PKU, UMIP; no WAITPKG (the real '
                   'processor has it; the model leaves it out), no PCONFIG, no PT'),
    'Icelake-Server': dict(
        what='Intel Xeon (Ice Lake server) model v1, family 6 model 134',
        sec='VAPIC WBINVD EPT DESC RDTSCP X2APIC VPID UG APIC_REG VID RDRAND INVPCID VMFUNC SHADOW',
        ept='XONLY PWL4 WB M2 G1 INVEPT INVEPT_SINGLE INVEPT_ALL AD ' + INVVPID,
        vmfunc=0,      # v1 has "enable VM functions" but no FEAT_VMX_VMFUNC (v4 adds EPTP switching)
        cr4='UMIP LA57 VMXE FSGSBASE PCIDE OSXSAVE SMEP SMAP PKE',
        cpuid=dict(rdtscp=1, invpcid=1, xsaves=0, waitpkg=0, gb=1, rdpid=0, pconfig=0, pt=0),
        cpuid_text='RDTSCP, INVPCID, 1 GB pages, LA57, PKU, UMIP; no XSAVES (v5 adds it), no RDPID '
                   '(v4 adds it), no WAITPKG, PCONFIG, PT; no PML, no RDSEED exiting'),
    'Snowridge': dict(
        what='Intel Atom (Snow Ridge, Tremont cores) model v1, family 6 model 134 stepping 1',
        sec='VAPIC WBINVD EPT DESC RDTSCP X2APIC VPID UG APIC_REG VID RDRAND INVPCID VMFUNC SHADOW '
            'RDSEED PML',
        ept='XONLY PWL4 WB M2 G1 INVEPT INVEPT_SINGLE INVEPT_ALL AD ' + INVVPID,
        vmfunc=1,
        cr4='UMIP VMXE FSGSBASE OSXSAVE SMEP SMAP',
        cpuid=dict(rdtscp=1, invpcid=0, xsaves=0, waitpkg=0, gb=1, rdpid=0, pconfig=0, pt=0),
        cpuid_text='RDTSCP, 1 GB pages, UMIP; no PCID, no INVPCID although the VMX word allows '
                   '"enable INVPCID", no XSAVES (v3 adds it), WAITPKG left out ("missing bit 5"), '
                   'no RDPID, PCONFIG, PT'),
    'SierraForest': dict(
        what='Intel Xeon (Sierra Forest, E-cores) model v1, family 6 model 175',
        sec='VAPIC EPT DESC RDTSCP X2APIC VPID WBINVD UG APIC_REG VID RDRAND INVPCID VMFUNC SHADOW '
            'RDSEED PML XSAVES',
        ept='XONLY PWL4 WB M2 G1 INVEPT AD INVEPT_SINGLE INVEPT_ALL ' + INVVPID,
        vmfunc=1,
        cr4='UMIP VMXE FSGSBASE PCIDE OSXSAVE SMEP SMAP PKE',
        cpuid=dict(rdtscp=1, invpcid=1, xsaves=1, waitpkg=0, gb=1, rdpid=1, pconfig=0, pt=0),
        cpuid_text='RDTSCP, INVPCID, XSAVES, 1 GB pages, RDPID, PKU, UMIP; no LA57, WAITPKG, PCONFIG, PT'),
}

VMCS12_REVISION, VMCS12_SIZE = 0x11E57ED0, 0x1000


def derive(m):
    n = {}
    true_pin = make_vmx_msr_value('pin', bits(PIN, PIN_COMMON))
    true_proc = make_vmx_msr_value('proc', bits(PROC, PROC_COMMON))
    # fixed_vmx_exit: "If the guest is 64-bit, a value of 1 is allowed for the
    # host address space size vmexit control" (every model here has LM).
    true_exit = make_vmx_msr_value('exit', bits(EXIT, EXIT_COMMON)) | (BIT(EXIT['HOST_ADDR64']) << 32)
    true_entry = make_vmx_msr_value('entry', bits(ENTRY, ENTRY_COMMON))
    n['basic'] = (BIT(54) | BIT(55)                     # FEAT_VMX_BASIC: INS_OUTS | TRUE_CTLS
                  | VMCS12_REVISION | (VMCS12_SIZE << 32) | (6 << 50))  # fixed_vmx_basic from KVM
    n['pinbased'] = true_pin | ALWAYSON['pin']
    n['procbased'] = true_proc | ALWAYSON['proc']
    n['exit'] = true_exit | ALWAYSON['exit']
    n['entry'] = true_entry | ALWAYSON['entry']
    n['true_pinbased'], n['true_procbased'], n['true_exit'], n['true_entry'] = (
        true_pin, true_proc, true_exit, true_entry)
    # FEAT_VMX_MISC | fixed_vmx_misc (KVM's preemption-timer rate 5, MSR-list size 0)
    n['misc'] = bits(MISC, 'LMA HLT VMWRITE_ANY') | 5
    n['cr0_fixed0'], n['cr0_fixed1'], n['cr4_fixed0'] = 0x80000021, 0xFFFFFFFF, 0x2000
    n['cr4_fixed1'] = 0x7FF | bits(CR4, m['cr4'])
    n['procbased2'] = make_vmx_msr_value('proc2', bits(SEC, m['sec']))
    n['ept_vpid_cap'] = bits(EPT, m['ept'])             # | KVM's WB/UC: WB already there, KVM has no UC
    n['vmfunc'] = m['vmfunc']
    return n


ORDER = ['basic', 'pinbased', 'procbased', 'exit', 'entry', 'true_pinbased', 'true_procbased',
         'true_exit', 'true_entry', 'misc', 'cr0_fixed0', 'cr0_fixed1', 'cr4_fixed0', 'cr4_fixed1',
         'procbased2', 'ept_vpid_cap', 'vmfunc']


def main():
    for name, m in MODELS.items():
        n = derive(m)
        c = m['cpuid']
        fname = f'qemu_{name.replace("-", "_")}_kvm.caps'
        with open(fname, 'w') as f:
            f.write(f'# name: QEMU/KVM guest with "-cpu {name},+vmx": {m["what"]}\n')
            f.write('# kind: nested-kvm (derived)\n')
            f.write('# source: github.com/qemu/qemu @ 0048035a870312f2fd0f3dd28115398d26e419bb, '
                    f'target/i386/cpu.c (model "{name}", version 1: its FEAT_VMX_* words and CPUID);\n')
            f.write('#         target/i386/kvm.c make_vmx_msr_value()/kvm_msr_entry_add_vmx() as added by\n')
            f.write('#         "target/i386: add VMX features" (qemu-devel, [PULL 00/30] of 2019-10-03);\n')
            f.write('#         Linux arch/x86/kvm/vmx/nested.c vmx_get_vmx_msr() for the legacy MSRs.\n')
            f.write('#         Computed by derive_qemu_models.py; nothing here is measured.\n')
            f.write('# ASSUMED: a KVM host whose nested VMX offers every feature of the model (else QEMU\n')
            f.write('#          filters the missing ones out with a warning), e.g. a Sapphire Rapids host with\n')
            f.write('#          Linux 6.6 or later and enable_apicv=1; QEMU default phys-bits 40.\n')
            f.write(f'# CPUID: {m["cpuid_text"]}.\n')
            f.write('# note: MISC offers activity state HLT only: no shutdown and no wait-for-SIPI (QEMU\n')
            f.write('#       leaves both out of every model); EPT UC is not offered.\n')
            for k in ORDER:
                f.write(f'{k} = {n[k]:#x}\n')
            f.write('maxphyaddr = 40  # ASSUMED: QEMU default phys-bits for named models\n')
            f.write(f'cpuid_rdtscp = {c["rdtscp"]}\ncpuid_invpcid = {c["invpcid"]}\n'
                    f'cpuid_xsaves = {c["xsaves"]}\ncpuid_waitpkg = {c["waitpkg"]}\n'
                    f'cpuid_1gb_pages = {c["gb"]}\ncpuid_rdpid = {c["rdpid"]}\n'
                    f'cpuid_pconfig = {c["pconfig"]}\ncpuid_pt = {c["pt"]}\n')
        print('wrote', fname)


if __name__ == '__main__':
    main()
