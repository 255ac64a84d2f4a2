#include "block_scheduler.h"

#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

// Switching fibers: saves the callee-saved registers on the current stack, stores its stack pointer in
// *save, and continues on the stack `load` (which the same code saved). The floating-point control words are
// not switched: nothing in the emulator or the kernels changes them.
// glibc's swapcontext does this too but also saves the signal mask with a system call each time, which made
// barrier-heavy kernels a hundred times slower.
#if !defined(__x86_64__)
#error "the CUDA emulator's fiber switch is written for x86-64"
#endif
extern "C" void emu_switch_stack(void** save, void* load);
asm(R"(
    .text
    .globl emu_switch_stack
    .type emu_switch_stack, @function
emu_switch_stack:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_switch_stack, .-emu_switch_stack
)");

namespace emu {
thread_local dim3 thread_index, block_index, block_dim, grid_dim;

namespace {
constexpr size_t STACK_BYTES = 128 * 1024;

enum class State { Running, AtBarrier, Done };

struct Fiber {
    void* sp = nullptr;  // saved stack pointer while the fiber is not running
    char* stack = nullptr;
    State state = State::Running;
    dim3 index;
};

// Per OS thread: the scheduler's own context, the fiber being run, a pool of stacks, shared memory.
struct Worker {
    void* scheduler = nullptr;  // the scheduler's saved stack pointer while a fiber runs
    Fiber* current = nullptr;
    const Launch* launch = nullptr;
    bool direct = false;  // threads run as plain calls (the kernel is known to have no barrier)
    std::vector<char*> stacks;
    std::vector<unsigned char> shared;
    ~Worker() {
        for (char* s : stacks) munmap(s, STACK_BYTES);
    }
    char* take_stack() {
        if (stacks.empty()) {
            void* p = mmap(nullptr, STACK_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) {
                std::fprintf(stderr, "cuda emulator: out of memory for thread stacks\n");
                std::abort();
            }
            return static_cast<char*>(p);
        }
        char* s = stacks.back();
        stacks.pop_back();
        return s;
    }
};
thread_local Worker worker;

// Kernels seen to reach __syncthreads need fibers; the others run their threads as plain calls, which is
// much faster. A kernel is classified on its first launch; a barrier in a kernel classified barrier-free
// stops the process with the kernel's name rather than run it wrongly.
std::mutex classification_lock;
std::set<std::string> barrier_kernels, barrier_free_kernels;
thread_local bool saw_barrier;

[[noreturn]] void fiber_entry() {
    worker.launch->thread_body();
    Fiber* f = worker.current;
    f->state = State::Done;
    emu_switch_stack(&f->sp, worker.scheduler);  // never resumed
    __builtin_unreachable();
}

// A new fiber's stack as emu_switch_stack leaves a suspended one: six registers and a return address
// (fiber_entry) with the alignment of a call.
void* initial_stack(char* stack) {
    auto* top = reinterpret_cast<uint64_t*>(stack + STACK_BYTES);
    *--top = 0;                                               // fiber_entry's own return address: none
    *--top = reinterpret_cast<uint64_t>(&fiber_entry);        // popped by ret
    for (int r = 0; r < 6; r++) *--top = 0;                   // rbp rbx r12 r13 r14 r15
    return top;
}

void resume(Fiber& f) {
    thread_index = f.index;
    worker.current = &f;
    f.state = State::Running;
    emu_switch_stack(&worker.scheduler, f.sp);
    if (f.state == State::Done) {
        worker.stacks.push_back(f.stack);
        f.stack = nullptr;
    }
}

dim3 unflatten(unsigned i, dim3 d) {
    dim3 r;
    r.x = i % d.x;
    r.y = (i / d.x) % d.y;
    r.z = i / (d.x * d.y);
    return r;
}

void run_block_with_fibers(unsigned threads, bool reverse) {
    std::vector<Fiber> fibers(threads);
    for (unsigned t = 0; t < threads; t++) fibers[t].index = unflatten(t, block_dim);
    auto each = [&](auto&& f) {
        for (unsigned i = 0; i < threads; i++) f(fibers[reverse ? threads - 1 - i : i]);
    };
    each([&](Fiber& f) {
        f.stack = worker.take_stack();
        f.sp = initial_stack(f.stack);
        resume(f);
    });
    for (;;) {
        bool waiting = false;
        each([&](Fiber& f) { waiting |= f.state == State::AtBarrier; });
        if (!waiting) break;
        each([&](Fiber& f) {
            if (f.state == State::AtBarrier) resume(f);
        });
    }
}

void run_block_direct(unsigned threads, bool reverse) {
    for (unsigned i = 0; i < threads; i++) {
        thread_index = unflatten(reverse ? threads - 1 - i : i, block_dim);
        worker.launch->thread_body();
    }
}
}  // namespace

void sync_threads() {
    saw_barrier = true;
    if (worker.direct) {
        std::fprintf(stderr, "cuda emulator: kernel %s reached __syncthreads after a launch that did not\n",
                     worker.launch->kernel.c_str());
        std::abort();
    }
    Fiber* f = worker.current;
    f->state = State::AtBarrier;
    emu_switch_stack(&f->sp, worker.scheduler);
}

void* dynamic_shared_memory() {
    return worker.shared.data();
}

namespace {
thread_local std::vector<float> mma_scratch;  // per warp: A (16 x K) then B (K x 8)
float from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, 4);
    return f;
}

// The calling lane of an emulated mma: its group g = lane / 4, its q = lane % 4, and its warp's scratch of
// `floats` floats. An mma is a warp-wide operation, emulated block-wide: the block must be whole warps.
struct MmaLane {
    unsigned g, q;
    float* scratch;
};
MmaLane mma_lane(unsigned floats) {
    if (block_dim.y != 1 || block_dim.z != 1 || block_dim.x % 32 != 0) {
        std::fprintf(stderr, "cuda emulator: mma needs a one-dimensional block of whole warps\n");
        std::abort();
    }
    unsigned warps = block_dim.x / 32, warp = thread_index.x / 32, lane = thread_index.x % 32;
    if (mma_scratch.size() < warps * floats) mma_scratch.resize(warps * floats);
    return MmaLane{lane / 4, lane % 4, mma_scratch.data() + warp * floats};
}
}  // namespace

void mma_tf32_16x8x8(float* d, const uint32_t* a, const uint32_t* b) {
    MmaLane l = mma_lane(192);
    unsigned g = l.g, q = l.q;
    float* A = l.scratch;  // 16 x 8
    float* B = A + 128;    // 8 x 8
    A[g * 8 + q] = from_bits(a[0]);
    A[(g + 8) * 8 + q] = from_bits(a[1]);
    A[g * 8 + q + 4] = from_bits(a[2]);
    A[(g + 8) * 8 + q + 4] = from_bits(a[3]);
    B[q * 8 + g] = from_bits(b[0]);
    B[(q + 4) * 8 + g] = from_bits(b[1]);
    sync_threads();  // every lane's fragments are in
    for (int r = 0; r < 4; r++) {
        unsigned row = g + 8 * (r / 2), col = 2 * q + r % 2;
        float acc = d[r];
        for (int k = 0; k < 8; k++) acc += A[row * 8 + k] * B[k * 8 + col];  // TF32 products are exact in fp32
        d[r] = acc;
    }
    sync_threads();  // the scratch may be written again
}

void mma_bf16_16x8x16(float* d, const uint32_t* a, const uint32_t* b) {
    MmaLane l = mma_lane(384);
    unsigned g = l.g, q = l.q;
    float* A = l.scratch;  // 16 x 16
    float* B = A + 256;    // 16 x 8
    auto low = [](uint32_t r) { return from_bits(r << 16); };
    auto high = [](uint32_t r) { return from_bits(r & 0xFFFF0000u); };
    A[g * 16 + 2 * q] = low(a[0]);
    A[g * 16 + 2 * q + 1] = high(a[0]);
    A[(g + 8) * 16 + 2 * q] = low(a[1]);
    A[(g + 8) * 16 + 2 * q + 1] = high(a[1]);
    A[g * 16 + 2 * q + 8] = low(a[2]);
    A[g * 16 + 2 * q + 9] = high(a[2]);
    A[(g + 8) * 16 + 2 * q + 8] = low(a[3]);
    A[(g + 8) * 16 + 2 * q + 9] = high(a[3]);
    B[(2 * q) * 8 + g] = low(b[0]);
    B[(2 * q + 1) * 8 + g] = high(b[0]);
    B[(2 * q + 8) * 8 + g] = low(b[1]);
    B[(2 * q + 9) * 8 + g] = high(b[1]);
    sync_threads();  // every lane's fragments are in
    for (int r = 0; r < 4; r++) {
        unsigned row = g + 8 * (r / 2), col = 2 * q + r % 2;
        float acc = d[r];
        for (int k = 0; k < 16; k++) acc += A[row * 16 + k] * B[k * 8 + col];  // BF16 products are exact in fp32
        d[r] = acc;
    }
    sync_threads();  // the scratch may be written again
}

void run_grid(const Launch& launch) {
    bool direct;
    {
        std::lock_guard<std::mutex> g(classification_lock);
        direct = barrier_free_kernels.count(launch.kernel) > 0;
    }
    unsigned blocks = launch.grid.x * launch.grid.y * launch.grid.z;
    unsigned threads = launch.block.x * launch.block.y * launch.block.z;
    std::atomic<unsigned> next{0};
    std::atomic<bool> barrier{false};
    auto work = [&] {
        worker.launch = &launch;
        worker.direct = direct;
        block_dim = launch.block;
        grid_dim = launch.grid;
        worker.shared.assign(launch.shared_bytes, 0xFF);  // uninitialised shared floats read as NaN
        saw_barrier = false;
        for (unsigned b; (b = next.fetch_add(1)) < blocks;) {
            block_index = unflatten(b, launch.grid);
            bool reverse = b % 2 == 1;
            if (direct) run_block_direct(threads, reverse);
            else run_block_with_fibers(threads, reverse);
        }
        if (saw_barrier) barrier = true;
    };
    unsigned workers = std::min<unsigned>(blocks, std::max(1u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (unsigned w = 1; w < workers; w++) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (!direct) {
        std::lock_guard<std::mutex> g(classification_lock);
        (barrier ? barrier_kernels : barrier_free_kernels).insert(launch.kernel);
    }
}
}  // namespace emu
