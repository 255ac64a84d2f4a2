// Kernels by name, each wrapped to take cuLaunchKernel's argument array (void** pointing at each argument's
// bytes) and call the kernel with typed arguments, as the driver does from the kernel's parameter layout.
#pragma once
#include <functional>
#include <string>
#include <type_traits>
#include <utility>

namespace emu {
using KernelCall = std::function<void(void**)>;

template <class... A, size_t... I>
void call_with(void (*kernel)(A...), void** args, std::index_sequence<I...>) {
    kernel(*static_cast<std::remove_cv_t<std::remove_reference_t<A>>*>(args[I])...);
}

template <class... A>
KernelCall wrap(void (*kernel)(A...)) {
    return [kernel](void** args) { call_with(kernel, args, std::index_sequence_for<A...>{}); };
}

void register_kernel(const char* name, KernelCall call);
const KernelCall* find_kernel(const std::string& name);
}  // namespace emu
