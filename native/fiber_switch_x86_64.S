// The native backend's switch between fibers (native/fiber_boost_context.cpp),
// x86-64 System V.
//
// A suspended fiber's context is the stack pointer it left, pointing at the
// frame below (16-byte aligned, the return address last):
//
//   0x00 MXCSR   0x04 x87 control word   0x08 r12   0x10 r13   0x18 r14
//   0x20 r15     0x28 rbx                0x30 rbp   0x38 return address
//
// Only these routines save and resume such frames. A fiber that has never
// run has a context of Boost.Context's (make_fcontext), entered once by
// ta_fiber_start through jump_fcontext; from then on it is suspended and
// resumed here. So nothing depends on how a version of Boost lays out its
// frames.
//
// The resumed fiber is entered with a return, not an indirect jump: every
// switch is a call and a return, and the CPU's return stack buffer stays
// balanced. Both sides switch from the same call (fiber_switch), so that
// return is predicted right, and so are the ones after it when both came the
// same way (two tasks yielding to each other).
//
// MXCSR's control bits and the x87 control word are callee-saved: each fiber
// keeps its own, as with Boost.Context. They are written back only when they
// differ from the suspended fiber's (almost never), because loading them
// costs more than comparing.

        .text

// Pushes the calling fiber's frame (the layout above) and stores its stack
// pointer in *%rdi, with the unwind rules that describe the frame.
        .macro  SAVE_FRAME
        leaq    -0x38(%rsp), %rsp
        .cfi_adjust_cfa_offset 0x38
        stmxcsr (%rsp)
        fnstcw  0x4(%rsp)
        movq    %r12, 0x8(%rsp)
        .cfi_rel_offset %r12, 0x8
        movq    %r13, 0x10(%rsp)
        .cfi_rel_offset %r13, 0x10
        movq    %r14, 0x18(%rsp)
        .cfi_rel_offset %r14, 0x18
        movq    %r15, 0x20(%rsp)
        .cfi_rel_offset %r15, 0x20
        movq    %rbx, 0x28(%rsp)
        .cfi_rel_offset %rbx, 0x28
        movq    %rbp, 0x30(%rsp)
        .cfi_rel_offset %rbp, 0x30
        movq    %rsp, (%rdi)
        .endm

// void* ta_fiber_switch(void** from_ctx, void* to_ctx, void* pass)
// Suspends the calling fiber, its context stored in *from_ctx, and resumes
// to_ctx (saved here before). Returns, when some fiber resumes this one, the
// `pass` that fiber gave.
        .globl  ta_fiber_switch
        .hidden ta_fiber_switch
        .type   ta_fiber_switch, @function
        .p2align 4
ta_fiber_switch:
        .cfi_startproc
        SAVE_FRAME
        movq    %rsp, %rcx
        // The other fiber's frame has the same layout: the unwind rules above
        // describe it from here on.
        movq    %rsi, %rsp
        movl    (%rsp), %eax
        cmpl    (%rcx), %eax
        jne     2f
        movzwl  0x4(%rsp), %eax
        cmpw    0x4(%rcx), %ax
        jne     2f
1:
        movq    0x8(%rsp), %r12
        movq    0x10(%rsp), %r13
        movq    0x18(%rsp), %r14
        movq    0x20(%rsp), %r15
        movq    0x28(%rsp), %rbx
        movq    0x30(%rsp), %rbp
        leaq    0x38(%rsp), %rsp
        .cfi_adjust_cfa_offset -0x38
        movq    %rdx, %rax
        ret
        .cfi_adjust_cfa_offset 0x38
2:
        ldmxcsr (%rsp)
        fldcw   0x4(%rsp)
        jmp     1b
        .cfi_endproc
        .size   ta_fiber_switch, .-ta_fiber_switch

// void* ta_fiber_start(void** from_ctx, fcontext_t to, void* data)
// Suspends the calling fiber as ta_fiber_switch does, and enters a fiber
// that has never run: jump_fcontext(to, data) from below the saved frame.
// The context jump_fcontext saves there is never resumed. Returns as
// ta_fiber_switch does.
        .globl  ta_fiber_start
        .hidden ta_fiber_start
        .type   ta_fiber_start, @function
        .p2align 4
ta_fiber_start:
        .cfi_startproc
        SAVE_FRAME
        movq    %rsi, %rdi
        movq    %rdx, %rsi
        call    jump_fcontext@PLT
        ud2
        .cfi_endproc
        .size   ta_fiber_start, .-ta_fiber_start

        .section .note.GNU-stack,"",@progbits
