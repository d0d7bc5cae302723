// A queue of const items, which could not be moved out.
// expect: Queue<T>: items are moved in and out, so T must be a movable object type that is not
// expect: const; for references use Queue<std::reference_wrapper<T>>, for a signal without a
// expect: value use Event
#include <threaded_async/threaded_async.hpp>

void misuse(threaded_async::AsyncRunner& runner) { threaded_async::Queue<const int> queue(runner); }
