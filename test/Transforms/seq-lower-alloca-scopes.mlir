// RUN: seq-opt %s --seq-lower-alloca-scopes --split-input-file | FileCheck %s
// RUN: seq-opt %s --seq-lower-alloca-scopes --convert-scf-to-cf --split-input-file | FileCheck %s --check-prefix=CFG

// Tests that a scope holding a call (unknown effects, so canonicalization
// keeps it) and an scf.if becomes a stack save/restore around its body, so
// the CFG lowering can split the body into blocks.
func.func private @helper(memref<?xf32>) -> i1

// CHECK-LABEL: func.func @scope_with_call
// CHECK-NOT: memref.alloca_scope
// CHECK: %[[SP:.+]] = llvm.intr.stacksave : !llvm.ptr
// CHECK: call @helper
// CHECK: scf.if
// CHECK: llvm.intr.stackrestore %[[SP]] : !llvm.ptr
// CFG-LABEL: func.func @scope_with_call
// CFG: llvm.intr.stacksave
// CFG: cf.cond_br
// CFG: llvm.intr.stackrestore
func.func @scope_with_call(%m: memref<?xf32>, %v: f32) {
  memref.alloca_scope {
    %c = func.call @helper(%m) : (memref<?xf32>) -> i1
    scf.if %c {
      %c0 = arith.constant 0 : index
      memref.store %v, %m[%c0] : memref<?xf32>
    }
  }
  return
}

// -----

// Tests that a scope's results become the values its body returned, and
// nested scopes each get their own save/restore.
// CHECK-LABEL: func.func @nested_with_result
// CHECK: %[[OUTER:.+]] = llvm.intr.stacksave
// CHECK: %[[INNER:.+]] = llvm.intr.stacksave
// CHECK: %[[X:.+]] = memref.alloca
// CHECK: memref.load %[[X]]
// CHECK: llvm.intr.stackrestore %[[INNER]]
// CHECK: llvm.intr.stackrestore %[[OUTER]]
// CHECK: return %{{.+}} : f32
func.func @nested_with_result(%v: f32) -> f32 {
  %r = memref.alloca_scope -> f32 {
    %s = memref.alloca_scope -> f32 {
      %x = memref.alloca() : memref<1xf32>
      %c0 = arith.constant 0 : index
      memref.store %v, %x[%c0] : memref<1xf32>
      %l = memref.load %x[%c0] : memref<1xf32>
      memref.alloca_scope.return %l : f32
    }
    memref.alloca_scope.return %s : f32
  }
  return %r : f32
}
