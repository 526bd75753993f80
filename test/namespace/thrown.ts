/** What `fn` throws (fails the test if it returns). */
export const thrown = (fn: () => unknown): unknown => {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected a throw, none happened");
};
