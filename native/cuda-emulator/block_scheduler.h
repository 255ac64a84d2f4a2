// Runs a kernel's grid on the CPU: blocks spread over a few OS threads, the threads of one block as fibers
// on one OS thread, switched only at __syncthreads (a thread runs until it reaches the barrier or returns;
// the barrier opens when every thread that has not returned is waiting at it).
#pragma once
#include <functional>
#include <string>
#include "device.h"

namespace emu {
struct Launch {
    std::string kernel;
    dim3 grid, block;
    size_t shared_bytes;
    std::function<void()> thread_body;  // one CUDA thread: the kernel called with the launch's arguments
};

// Runs every block of the launch and returns when all are done. Odd-numbered blocks run their threads in
// reverse order between barriers, so code that reads shared memory another thread writes without a barrier
// in between gives different results in different blocks (and fails the parity tests) instead of passing by luck.
void run_grid(const Launch& launch);
}  // namespace emu
