#define FFI_SCOPE "PAYVOST_WASM"
#define FFI_LIB "libwasmtime.so"
/* The part of the standard WebAssembly C API (wasm.h) that payvost/payvost-php
 * calls. Runtime.php loads it with FFI::cdef() and the library it finds, or,
 * under ffi.enable=preload, php.ini preloads it (ffi.preload) into the scope
 * above; FFI_LIB is then found by the dynamic loader (see the README). */

typedef struct wasm_engine_t wasm_engine_t;
typedef struct wasm_store_t wasm_store_t;
typedef struct wasm_module_t wasm_module_t;
typedef struct wasm_instance_t wasm_instance_t;
typedef struct wasm_extern_t wasm_extern_t;
typedef struct wasm_func_t wasm_func_t;
typedef struct wasm_memory_t wasm_memory_t;
typedef struct wasm_trap_t wasm_trap_t;
typedef struct wasm_exporttype_t wasm_exporttype_t;
typedef struct wasm_ref_t wasm_ref_t;
typedef struct wasm_externtype_t wasm_externtype_t;
typedef struct wasm_functype_t wasm_functype_t;
typedef struct wasm_valtype_t wasm_valtype_t;
typedef struct wasm_valtype_vec_t { size_t size; wasm_valtype_t **data; } wasm_valtype_vec_t;
typedef struct wasm_byte_vec_t { size_t size; char *data; } wasm_byte_vec_t;
typedef wasm_byte_vec_t wasm_name_t;
typedef wasm_byte_vec_t wasm_message_t;
typedef struct wasm_extern_vec_t { size_t size; wasm_extern_t **data; } wasm_extern_vec_t;
typedef struct wasm_exporttype_vec_t { size_t size; wasm_exporttype_t **data; } wasm_exporttype_vec_t;
typedef struct wasm_val_t {
    uint8_t kind;
    union { int32_t i32; int64_t i64; float f32; double f64; wasm_ref_t *ref; } of;
} wasm_val_t;
typedef struct wasm_val_vec_t { size_t size; wasm_val_t *data; } wasm_val_vec_t;

wasm_engine_t *wasm_engine_new(void);
void wasm_engine_delete(wasm_engine_t *);
wasm_store_t *wasm_store_new(wasm_engine_t *);
void wasm_store_delete(wasm_store_t *);
void wasm_byte_vec_new(wasm_byte_vec_t *out, size_t size, const char *data);
void wasm_byte_vec_delete(wasm_byte_vec_t *);
wasm_module_t *wasm_module_new(wasm_store_t *, const wasm_byte_vec_t *binary);
void wasm_module_serialize(const wasm_module_t *, wasm_byte_vec_t *out);
wasm_module_t *wasm_module_deserialize(wasm_store_t *, const wasm_byte_vec_t *);
void wasm_module_delete(wasm_module_t *);
void wasm_module_exports(const wasm_module_t *, wasm_exporttype_vec_t *out);
void wasm_exporttype_vec_delete(wasm_exporttype_vec_t *);
const wasm_name_t *wasm_exporttype_name(const wasm_exporttype_t *);
const wasm_externtype_t *wasm_exporttype_type(const wasm_exporttype_t *);
const wasm_functype_t *wasm_externtype_as_functype_const(const wasm_externtype_t *);
const wasm_valtype_vec_t *wasm_functype_params(const wasm_functype_t *);
const wasm_valtype_vec_t *wasm_functype_results(const wasm_functype_t *);
uint8_t wasm_valtype_kind(const wasm_valtype_t *);
wasm_instance_t *wasm_instance_new(wasm_store_t *, const wasm_module_t *, const wasm_extern_vec_t *imports, wasm_trap_t **trap);
void wasm_instance_delete(wasm_instance_t *);
void wasm_instance_exports(const wasm_instance_t *, wasm_extern_vec_t *out);
void wasm_extern_vec_delete(wasm_extern_vec_t *);
wasm_func_t *wasm_extern_as_func(wasm_extern_t *);
wasm_memory_t *wasm_extern_as_memory(wasm_extern_t *);
wasm_trap_t *wasm_func_call(const wasm_func_t *, const wasm_val_vec_t *args, wasm_val_vec_t *results);
char *wasm_memory_data(wasm_memory_t *);
size_t wasm_memory_data_size(const wasm_memory_t *);
void wasm_trap_message(const wasm_trap_t *, wasm_message_t *out);
void wasm_trap_delete(wasm_trap_t *);
