//! Block cache, dispatcher, chaining and invalidation
