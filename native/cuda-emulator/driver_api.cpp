// The subset of the CUDA driver API the engine calls (CudaDriver.java), implemented on the CPU: device memory
// is host memory, the one stream runs everything at once and in order, kernels are kernels/*.cu compiled
// as C++ and run by block_scheduler. A test tool: it checks kernels' logic and the Java side's launches in
// CI without a GPU; it says nothing about speed or about GPU-only behaviour (warps, memory model, caches).
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <unordered_map>

#include "block_scheduler.h"
#include "kernel_registry.h"

namespace emu {
namespace {
std::unordered_map<std::string, KernelCall>& registry() {
    static std::unordered_map<std::string, KernelCall> r;
    return r;
}
}  // namespace
void register_kernel(const char* name, KernelCall call) {
    registry()[name] = std::move(call);
}
const KernelCall* find_kernel(const std::string& name) {
    auto it = registry().find(name);
    return it == registry().end() ? nullptr : &it->second;
}
void register_all_kernels();  // generated: one register_kernel per extern "C" __global__ in kernels/*.cu
}  // namespace emu

namespace {
using CUresult = int;
constexpr CUresult OK = 0, INVALID_VALUE = 1, OUT_OF_MEMORY = 2, NOT_INITIALIZED = 3, INVALID_DEVICE = 101,
                   NOT_FOUND = 500;
const char* const DEVICE_NAME = "CUDA emulator on the CPU (test tool, not a GPU)";

struct Function {
    std::string name;
    const emu::KernelCall* call;
};
struct Event {
    std::chrono::steady_clock::time_point at;
};

std::once_flag registered;
int module_token, context_token, stream_token;
}  // namespace

extern "C" {
CUresult cuInit(unsigned) {
    std::call_once(registered, emu::register_all_kernels);
    return OK;
}
CUresult cuDeviceGetCount(int* n) {
    *n = 1;
    return OK;
}
CUresult cuDeviceGet(int* device, int ordinal) {
    if (ordinal != 0) return INVALID_DEVICE;
    *device = 0;
    return OK;
}
CUresult cuDeviceGetName(char* name, int len, int) {
    std::strncpy(name, DEVICE_NAME, len - 1);
    name[len - 1] = 0;
    return OK;
}
CUresult cuDevicePrimaryCtxRetain(void** ctx, int) {
    *ctx = &context_token;
    return OK;
}
CUresult cuCtxSetCurrent(void*) {
    return OK;
}
CUresult cuModuleLoadData(void** module, const void*) {
    *module = &module_token;  // the fatbin's device code is not used: the kernels are compiled into this library
    return OK;
}
CUresult cuModuleGetFunction(void** fn, void*, const char* name) {
    const emu::KernelCall* call = emu::find_kernel(name);
    if (!call) return NOT_FOUND;
    *fn = new Function{name, call};
    return OK;
}
CUresult cuLaunchKernel(void* fn, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned shared, void*, void** params, void** extra) {
    if (!fn || extra || gx * gy * gz == 0 || bx * by * bz == 0 || bx * by * bz > 1024) return INVALID_VALUE;
    auto* f = static_cast<Function*>(fn);
    emu::Launch launch{f->name, {gx, gy, gz}, {bx, by, bz}, shared, [f, params] { (*f->call)(params); }};
    emu::run_grid(launch);
    return OK;
}
CUresult cuMemAlloc_v2(unsigned long long* ptr, size_t bytes) {
    void* p = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (!p) return OUT_OF_MEMORY;
    std::memset(p, 0xFF, bytes);  // a GPU gives no zeros either: an unwritten float reads as NaN
    *ptr = reinterpret_cast<unsigned long long>(p);
    return OK;
}
CUresult cuMemFree_v2(unsigned long long ptr) {
    std::free(reinterpret_cast<void*>(ptr));
    return OK;
}
CUresult cuMemcpyHtoDAsync_v2(unsigned long long dst, const void* src, size_t bytes, void*) {
    std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return OK;
}
CUresult cuMemcpyDtoHAsync_v2(void* dst, unsigned long long src, size_t bytes, void*) {
    std::memcpy(dst, reinterpret_cast<const void*>(src), bytes);
    return OK;
}
CUresult cuMemsetD32Async(unsigned long long dst, unsigned value, size_t count, void*) {
    auto* p = reinterpret_cast<unsigned*>(dst);
    for (size_t i = 0; i < count; i++) p[i] = value;
    return OK;
}
CUresult cuStreamCreate(void** stream, unsigned) {
    *stream = &stream_token;
    return OK;
}
CUresult cuStreamSynchronize(void*) {
    return OK;
}
CUresult cuStreamDestroy_v2(void*) {
    return OK;
}
CUresult cuEventCreate(void** event, unsigned) {
    *event = new Event{};
    return OK;
}
CUresult cuEventRecord(void* event, void*) {
    static_cast<Event*>(event)->at = std::chrono::steady_clock::now();
    return OK;
}
CUresult cuEventSynchronize(void*) {
    return OK;
}
CUresult cuEventElapsedTime(float* ms, void* start, void* end) {
    *ms = std::chrono::duration<float, std::milli>(static_cast<Event*>(end)->at - static_cast<Event*>(start)->at).count();
    return OK;
}
CUresult cuEventDestroy_v2(void* event) {
    delete static_cast<Event*>(event);
    return OK;
}
CUresult cuGetErrorName(CUresult code, const char** name) {
    switch (code) {
        case OK: *name = "CUDA_SUCCESS"; return OK;
        case INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return OK;
        case OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return OK;
        case NOT_INITIALIZED: *name = "CUDA_ERROR_NOT_INITIALIZED"; return OK;
        case INVALID_DEVICE: *name = "CUDA_ERROR_INVALID_DEVICE"; return OK;
        case NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; return OK;
        default: return INVALID_VALUE;
    }
}
}
