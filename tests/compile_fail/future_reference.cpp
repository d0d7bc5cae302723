// A future of a reference.
// expect: Future<T&>: a future keeps its value; use Future<std::reference_wrapper<T>>
// expect: (set_result(std::ref(x))) or Future<T*>
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) { threaded_async::Future<int&> future(runner); }
