import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { PRICE_MESSAGE, PRICE_PATTERN } from '../price';

/**
 * A price as a JSON string ("19.99"). JSON numbers are refused: by the time the body is
 * parsed, 19.990000000000001 and 19.99 are the same double, so no number can be taken
 * without the risk of silently changing what the client sent.
 */
export function IsPrice(options: ValidationOptions = {}): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isPrice',
      target: target.constructor,
      propertyName: String(propertyName),
      options: {
        message: ({ property, value }: ValidationArguments) =>
          typeof value === 'number'
            ? `${property} must be sent as a string such as "19.99", not as a JSON number (numbers lose decimal precision)`
            : `${property} ${PRICE_MESSAGE}`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => typeof value === 'string' && PRICE_PATTERN.test(value),
      },
    });
  };
}
