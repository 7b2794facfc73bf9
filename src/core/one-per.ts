/** One instance per key in this process (a store per file or directory), so whoever uses it shares its serialisation. */
export function onePer<T>(make: (key: string) => T): (key: string) => T {
  const made = new Map<string, T>();
  return (key) => {
    let instance = made.get(key);
    if (instance === undefined) {
      instance = make(key);
      made.set(key, instance);
    }
    return instance;
  };
}
