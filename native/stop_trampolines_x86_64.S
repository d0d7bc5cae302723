// The two ways a forced stop enters the stuck code of a loop thread, on
// x86-64 System V (native/loop_thread_posix.cpp). Each looks to the unwinder
// like a function called from the stuck code, so that an exception thrown
// from here unwinds the stuck code's frames.

        .text

// Entered from the signal handler, which pushed the interrupted pc + 1 as a
// return address 128 bytes below the interrupted stack pointer (past the
// red zone) and set the pc here. The unwinder then sees the interrupted
// frame at its pc, with its stack pointer 136 bytes above ours.
        .globl  ta_forced_stop_injected
        .hidden ta_forced_stop_injected
        .type   ta_forced_stop_injected, @function
ta_forced_stop_injected:
        .cfi_startproc
        .cfi_def_cfa_offset 136
        .cfi_offset %rip, -136
        pushq   %rbp
        .cfi_def_cfa_offset 144
        .cfi_offset %rbp, -144
        movq    %rsp, %rbp
        .cfi_def_cfa_register %rbp
        andq    $-16, %rsp
        call    ta_forced_stop_now       // throws ForcedThreadShutdown or abandons the stack
        ud2
        .cfi_endproc
        .size   ta_forced_stop_injected, .-ta_forced_stop_injected

// Entered by the return of a runtime function (printf, operator new, ...)
// whose return address the signal handler replaced: the stuck code is back in
// its own frame, at a call. The stack pointer is the caller's, as after any
// return; the return value is in rax, rdx, xmm0 and xmm1 and is kept for the
// case where the stop is no longer wanted and the call returns as usual.
        .globl  ta_forced_stop_hijacked
        .hidden ta_forced_stop_hijacked
        .type   ta_forced_stop_hijacked, @function
ta_forced_stop_hijacked:
        .cfi_startproc
        .cfi_undefined %rip
        subq    $8, %rsp                 // the slot for the original return address
        pushq   %rax
        pushq   %rdx
        subq    $40, %rsp                // xmm0 and xmm1, and 16-byte alignment
        movdqu  %xmm0, (%rsp)
        movdqu  %xmm1, 16(%rsp)
        call    ta_hijack_original_return
        movq    %rax, 56(%rsp)
        .cfi_def_cfa_offset 64
        .cfi_offset %rip, -8
        movq    48(%rsp), %rdi           // the call's return value (rax), for ta_hijack_fired
        call    ta_hijack_fired          // returns only if the call is to return as usual
        movdqu  16(%rsp), %xmm1
        movdqu  (%rsp), %xmm0
        addq    $40, %rsp
        popq    %rdx
        popq    %rax
        ret
        .cfi_endproc
        .size   ta_forced_stop_hijacked, .-ta_forced_stop_hijacked

        .section .note.GNU-stack,"",@progbits
